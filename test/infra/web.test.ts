import { beforeAll, describe, expect, it } from "vitest";
import { API_PATH_PATTERN } from "../../infra/web.js";
import { webBuildIsStale } from "../../infra/webBuild.js";
import { CONTENT_SECURITY_POLICY } from "../../infra/webHeaders.js";
import { type CfnResource, type Json, resourcesOfType, synth } from "./synth.js";

type Synth = ReturnType<typeof synth>;
let dev: Synth;

beforeAll(() => {
  dev = synth();
});

const only = (type: string): [string, CfnResource] => {
  const found = resourcesOfType(dev.template, type);
  expect(found.length, type).toBe(1);
  return found[0] as [string, CfnResource];
};

describe("dashboard hosting (infra/web.ts)", () => {
  it("builds web/dist when synthesizing, so the upload is the current app", () => {
    expect(webBuildIsStale()).toBe(false);
    const [, deployment] = only("Custom::CDKBucketDeployment");
    expect(deployment.Properties?.DistributionPaths).toEqual(["/index.html", "/config.json"]);
  });

  it("keeps the files in a private, encrypted, TLS-only bucket that only this distribution reads (OAC)", () => {
    const [distributionId, distribution] = only("AWS::CloudFront::Distribution");
    const sites = resourcesOfType(dev.template, "AWS::S3::Bucket").filter(([, b]) =>
      String(b.Metadata?.["aws:cdk:path"]).endsWith("/Web/Site/Resource"),
    );
    expect(sites.length).toBe(1);
    const [siteId, site] = sites[0] as [string, CfnResource];
    expect(site.Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(site.Properties?.BucketEncryption).toBeDefined();
    expect(site.Properties?.LoggingConfiguration).toBeDefined();

    const [, oac] = only("AWS::CloudFront::OriginAccessControl");
    expect(oac.Properties?.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
    const config = distribution.Properties?.DistributionConfig as Json;
    const s3Origin = config.Origins.find((o: Json) => o.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe("");

    const policy = resourcesOfType(dev.template, "AWS::S3::BucketPolicy").find(
      ([, p]) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: siteId }),
    )?.[1];
    const statements = policy?.Properties?.PolicyDocument.Statement as Json[];
    const read = statements.find((s) => s.Principal?.Service === "cloudfront.amazonaws.com");
    expect(read.Action).toBe("s3:GetObject");
    expect(JSON.stringify(read.Condition)).toContain(distributionId);
    // No statement lets anyone else read.
    expect(statements.filter((s) => s.Effect === "Allow" && s.Principal === "*")).toEqual([]);
  });

  it("serves the app and the API over HTTPS only, the API on the same origin under /api/* without caching", () => {
    const [, distribution] = only("AWS::CloudFront::Distribution");
    const config = distribution.Properties?.DistributionConfig as Json;
    expect(config.DefaultRootObject).toBe("index.html");
    expect(config.Logging?.Bucket).toBeDefined();
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("https-only");
    const api = config.CacheBehaviors.find((b: Json) => b.PathPattern === API_PATH_PATTERN);
    expect(api.ViewerProtocolPolicy).toBe("https-only");
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(["GET", "POST", "OPTIONS"]));
    // The managed CachingDisabled and AllViewerExceptHostHeader policies.
    expect(api.CachePolicyId).toBe("4135ea2d-6df8-44a3-9df3-4b5a84be39ad");
    expect(api.OriginRequestPolicyId).toBe("b689b0a8-53d0-40ab-baf2-68738e2966ac");
    const apiOrigin = config.Origins.find((o: Json) => o.Id === api.TargetOriginId);
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe("https-only");
    expect(JSON.stringify(apiOrigin.DomainName)).toContain("RestApi");
    expect(JSON.stringify(apiOrigin.OriginPath)).toContain("DeploymentStage");
  });

  it("sends the security headers on every path: CSP, HSTS, nosniff, DENY framing, no referrer", () => {
    const [policyId, policy] = only("AWS::CloudFront::ResponseHeadersPolicy");
    const headers = policy.Properties?.ResponseHeadersPolicyConfig.SecurityHeadersConfig as Json;
    expect(headers.ContentSecurityPolicy.ContentSecurityPolicy).toBe(CONTENT_SECURITY_POLICY);
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(headers.ContentTypeOptions.Override).toBe(true);
    expect(headers.FrameOptions.FrameOption).toBe("DENY");
    expect(headers.ReferrerPolicy.ReferrerPolicy).toBe("no-referrer");
    const config = (only("AWS::CloudFront::Distribution")[1].Properties?.DistributionConfig ?? {}) as Json;
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    }
  });

  it("outputs the dashboard's URL", () => {
    const outputs = dev.template.toJSON().Outputs as Json;
    expect(JSON.stringify(outputs.DashboardUrl.Value)).toContain("DomainName");
  });
});
