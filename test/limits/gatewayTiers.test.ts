import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
} from "@aws-sdk/client-api-gateway";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { assignTier, type GatewayTarget, removeTenantKey } from "../../lib/limits/gatewayTiers.js";

/**
 * API Gateway has no local stand-in, so its API is modelled here (keys, plans, plan membership) just far enough to
 * check what assignTier asks of it: one key per environment, in exactly one tier plan.
 */
function fakeApiGateway() {
  const keys = new Map<string, { id: string; name: string; value: string }>();
  const plans = new Map<string, { id: string; name: string; throttle: unknown; keys: Set<string> }>();
  plans.set("p-default", { id: "p-default", name: "ei-dev-tier-r50-b100", throttle: {}, keys: new Set() });
  plans.set("p-anon", { id: "p-anon", name: "ei-dev-anonymous", throttle: {}, keys: new Set() });
  let next = 0;
  const mock = mockClient(APIGatewayClient);
  mock.on(GetApiKeysCommand).callsFake((input) => ({
    items: [...keys.values()].filter((k) => k.name.startsWith(input.nameQuery ?? "")),
  }));
  mock.on(CreateApiKeyCommand).callsFake((input) => {
    const id = `k${next++}`;
    keys.set(id, { id, name: input.name, value: input.value });
    return { id };
  });
  mock.on(GetUsagePlansCommand).callsFake((input) => ({
    items: [...plans.values()].filter((p) => !input.keyId || p.keys.has(input.keyId)),
  }));
  mock.on(CreateUsagePlanCommand).callsFake((input) => {
    const plan = { id: `p${next++}`, name: input.name, throttle: input.throttle, keys: new Set<string>() };
    plans.set(plan.id, plan);
    return plan;
  });
  mock.on(CreateUsagePlanKeyCommand).callsFake((input) => {
    plans.get(input.usagePlanId)?.keys.add(input.keyId);
    return {};
  });
  mock.on(DeleteUsagePlanKeyCommand).callsFake((input) => {
    plans.get(input.usagePlanId)?.keys.delete(input.keyId);
    return {};
  });
  mock.on(DeleteApiKeyCommand).callsFake((input) => {
    keys.delete(input.apiKey);
    for (const plan of plans.values()) plan.keys.delete(input.apiKey);
    return {};
  });
  const planOf = (value: string) => {
    const key = [...keys.values()].find((k) => k.value === value);
    return [...plans.values()].filter((p) => key && p.keys.has(key.id)).map((p) => p.name);
  };
  return { client: new APIGatewayClient({ region: "eu-west-1" }), keys, plans, planOf, restore: () => mock.restore() };
}

const target: GatewayTarget = { restApiId: "api1", stage: "dev", planPrefix: "ei-dev-tier-" };

describe("API Gateway tiers", () => {
  it("gives an environment one gateway key (its id) in exactly the plan of its tier", async () => {
    const gw = fakeApiGateway();
    try {
      expect(await assignTier(gw.client, target, "env_aaaaaaaaaaaaaaaa", { rate: 50, burst: 100 })).toEqual({
        usage_plan: "ei-dev-tier-r50-b100",
      });
      expect(gw.planOf("env_aaaaaaaaaaaaaaaa")).toEqual(["ei-dev-tier-r50-b100"]);

      await assignTier(gw.client, target, "env_aaaaaaaaaaaaaaaa", { rate: 5, burst: 10 });
      expect(gw.planOf("env_aaaaaaaaaaaaaaaa")).toEqual(["ei-dev-tier-r5-b10"]);
      const created = [...gw.plans.values()].find((p) => p.name === "ei-dev-tier-r5-b10");
      expect(created?.throttle).toEqual({ rateLimit: 5, burstLimit: 10 });
      expect(gw.keys.size).toBe(1);

      // A second environment with the same limits shares the tier's plan.
      await assignTier(gw.client, target, "env_bbbbbbbbbbbbbbbb", { rate: 5, burst: 10 });
      expect(gw.plans.size).toBe(3);
      expect(gw.planOf("env_bbbbbbbbbbbbbbbb")).toEqual(["ei-dev-tier-r5-b10"]);

      expect(await removeTenantKey(gw.client, target, "env_aaaaaaaaaaaaaaaa")).toBe(true);
      expect(gw.planOf("env_aaaaaaaaaaaaaaaa")).toEqual([]);
      expect(await removeTenantKey(gw.client, target, "env_aaaaaaaaaaaaaaaa")).toBe(false);
    } finally {
      gw.restore();
    }
  });
});
