import { beforeAll, describe, expect, it } from "vitest";
import { gatewayBodies } from "../../lib/http/familyErrors.js";
import { anonymousUsageKey } from "../../lib/limits/authorizer.js";
import { routes } from "../../lib/routes.js";
import { type CfnResource, logicalIdByPath, resourcesOfType, synth } from "./synth.js";

/** The per-tenant limits of the deployed API: authorizer, usage plans per tier, 429 gateway responses. */

type Synth = ReturnType<typeof synth>;
let dev: Synth;
let tuned: Synth;
beforeAll(() => {
  dev = synth();
  tuned = synth({ authorizerCacheTtl: 60, tenantRateLimit: 7, tenantBurstLimit: 9 });
});

const authorizerFn = () => logicalIdByPath(dev.template, "AWS::Lambda::Function", "/Http/authorizer/Resource");

describe("tenant rate limits in the stack", () => {
  it("has REQUEST authorizers on the authorizer Lambda, cached 300 s, keyed by each way of presenting a credential", () => {
    const authorizers = resourcesOfType(dev.template, "AWS::ApiGateway::Authorizer").map(([, a]) => a.Properties);
    // Segment's routes (CONTRACT §11): the key may be in the body, so no identity source and no cache.
    const cached = authorizers.filter((a) => a?.AuthorizerResultTtlInSeconds !== 0);
    expect(cached.map((a) => a?.IdentitySource).sort()).toEqual([
      "method.request.header.Authorization",
      "method.request.header.x-user-id,method.request.header.x-auth-token",
    ]);
    expect(authorizers.filter((a) => a?.AuthorizerResultTtlInSeconds === 0)).toHaveLength(1);
    for (const a of authorizers) {
      expect(a).toMatchObject({ Type: "REQUEST" });
      expect(JSON.stringify(a?.AuthorizerUri)).toContain(authorizerFn());
    }
    for (const a of cached) expect(a).toMatchObject({ AuthorizerResultTtlInSeconds: 300 });
    for (const [, a] of resourcesOfType(tuned.template, "AWS::ApiGateway::Authorizer")) {
      if (a.Properties?.AuthorizerResultTtlInSeconds !== 0) expect(a.Properties?.AuthorizerResultTtlInSeconds).toBe(60);
    }
    expect(() => synth({ authorizerCacheTtl: 7200 })).toThrow(/authorizerCacheTtl/);
  });

  it("takes usage keys from the authorizer, and every documented route but discovery needs one", () => {
    const [[, api]] = resourcesOfType(dev.template, "AWS::ApiGateway::RestApi") as [[string, CfnResource]];
    expect(api.Properties?.ApiKeySourceType).toBe("AUTHORIZER");
    const methods = resourcesOfType(dev.template, "AWS::ApiGateway::Method").map(([, m]) => m.Properties ?? {});
    const limited = methods.filter((m) => m.ApiKeyRequired === true);
    // openapi.json and /docs are public: no credential to check, no tenant to count them against.
    expect(limited).toHaveLength(routes.filter((r) => r.family !== "docs").length);
    for (const m of limited) {
      expect(m.AuthorizationType).toBe("CUSTOM");
      expect(m.HttpMethod).not.toBe("ANY");
    }
    // The dashboard routes use the user-token authorizer, Segment's the uncached one, the others the Bearer one.
    const authorizerIds = new Set(limited.map((m) => JSON.stringify(m.AuthorizerId)));
    expect(authorizerIds.size).toBe(3);
  });

  it("has a default tier and an anonymous plan with their throttles, both on the stage", () => {
    const plans = resourcesOfType(dev.template, "AWS::ApiGateway::UsagePlan").map(([, p]) => p.Properties ?? {});
    const byName = Object.fromEntries(plans.map((p) => [p.UsagePlanName, p]));
    expect(Object.keys(byName).sort()).toEqual([
      "engagement-insights-dev-anonymous",
      "engagement-insights-dev-tier-r50-b100",
    ]);
    expect(byName["engagement-insights-dev-tier-r50-b100"].Throttle).toEqual({ RateLimit: 50, BurstLimit: 100 });
    expect(byName["engagement-insights-dev-anonymous"].Throttle).toEqual({ RateLimit: 10, BurstLimit: 20 });
    for (const plan of plans) expect(plan.ApiStages).toHaveLength(1);
    const [[, key]] = resourcesOfType(dev.template, "AWS::ApiGateway::ApiKey") as [[string, CfnResource]];
    expect(key.Properties?.Value).toBe(anonymousUsageKey("dev"));
    expect(resourcesOfType(dev.template, "AWS::ApiGateway::UsagePlanKey")).toHaveLength(1);
    const fn = dev.template.toJSON().Resources[authorizerFn()];
    expect(fn.Properties.Environment.Variables.ANONYMOUS_USAGE_KEY).toBe(anonymousUsageKey("dev"));

    tuned.template.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      UsagePlanName: "engagement-insights-dev-tier-r7-b9",
      Throttle: { RateLimit: 7, BurstLimit: 9 },
    });
  });

  it("answers throttling and exhausted quotas 429 with Retry-After and a JSON body every family can read", () => {
    for (const type of ["THROTTLED", "QUOTA_EXCEEDED"]) {
      dev.template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: type,
        StatusCode: "429",
        ResponseParameters: {
          "gatewayresponse.header.Content-Type": "'application/json; charset=utf-8'",
          "gatewayresponse.header.Retry-After": type === "THROTTLED" ? "'1'" : "'60'",
        },
        ResponseTemplates: { "application/json": JSON.stringify(gatewayBodies.tooManyRequests) },
      });
    }
    for (const type of ["UNAUTHORIZED", "INVALID_API_KEY"]) {
      dev.template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: type,
        StatusCode: "401",
        ResponseTemplates: { "application/json": JSON.stringify(gatewayBodies.unauthorized) },
      });
    }
  });

  it("lets the authorizer read only the entities table", () => {
    const policies = resourcesOfType(dev.template, "AWS::IAM::Policy").filter(([, p]) =>
      JSON.stringify(p.Properties?.Roles).includes("authorizerRole"),
    );
    const statements = policies.flatMap(([, p]) => p.Properties?.PolicyDocument.Statement as CfnResource[]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith("dynamodb:")).sort()).toEqual(
      ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"].sort(),
    );
    expect(JSON.stringify(statements)).not.toContain("Activity");
  });
});
