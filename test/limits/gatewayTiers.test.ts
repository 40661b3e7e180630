import { describe, expect, it } from "vitest";
import { assignTier, type GatewayTarget, removeTenantKey } from "../../lib/limits/gatewayTiers.js";
import { fakeApiGateway } from "../helpers/fakeApiGateway.js";

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
