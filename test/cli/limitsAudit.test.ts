import { CreateApiKeyCommand, CreateUsagePlanKeyCommand, DeleteUsagePlanKeyCommand } from "@aws-sdk/client-api-gateway";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GatewayTarget } from "../../lib/limits/gatewayTiers.js";
import { putEnvironmentLimits } from "../../lib/limits/limits.js";
import type { Store } from "../../lib/storage/client.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { fakeApiGateway } from "../helpers/fakeApiGateway.js";
import { testStore } from "../helpers/store.js";

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

const target: GatewayTarget = { restApiId: "api1", stage: "dev", planPrefix: "ei-dev-tier-" };
let gw: ReturnType<typeof fakeApiGateway> | undefined;
afterEach(() => gw?.restore());

function admin(withGateway: boolean, ...argv: string[]) {
  return runAdminCaptured(argv, {
    store: () => store,
    gateway: () => (withGateway && gw ? { client: gw.client, target } : undefined),
  });
}

const json = (out: { code: number; stdout: string; stderr: string }) => {
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  expect(out.stdout.trim().split("\n")).toHaveLength(1);
  return JSON.parse(out.stdout);
};

describe("environment limits-audit", () => {
  it("lists the tier plans, reports each kind of drift without changing anything, and --fix repairs it", async () => {
    gw = fakeApiGateway();
    const fake = gw;
    const created = async (name: string) =>
      json(await admin(true, "environment", "create", "--name", name)).environment_id as string;
    const moved = await created("moved");
    const keyless = await created("keyless");
    const limited = await created("limited");
    const halfSet = await created("half-set");
    json(await admin(true, "environment", "set-limits", "--environment", limited, "--rate", "5", "--burst", "10"));
    expect(json(await admin(true, "environment", "limits-audit"))).toMatchObject({
      environments: 4,
      in_step: 4,
      drift: [],
      plan_drift: [],
      orphan_keys: [],
    });

    const planId = (name: string) => [...fake.plans.values()].find((p) => p.name === name)?.id as string;
    const keyId = (env: string) => [...fake.keys.values()].find((k) => k.value === env)?.id as string;
    // By hand in the console: `moved`'s key put in the r5-b10 plan (and left in the default one too), `keyless`'s key
    // deleted, the r5-b10 plan's rate edited; `half-set`'s limits stored but its key never moved (set-limits cut
    // short); a key left behind by an environment that no longer exists.
    await fake.client.send(
      new CreateUsagePlanKeyCommand({
        usagePlanId: planId("ei-dev-tier-r5-b10"),
        keyId: keyId(moved),
        keyType: "API_KEY",
      }),
    );
    const keylessKey = keyId(keyless);
    fake.keys.delete(keylessKey);
    for (const plan of fake.plans.values()) plan.keys.delete(keylessKey);
    (fake.plans.get(planId("ei-dev-tier-r5-b10")) as { throttle: unknown }).throttle = { rateLimit: 7, burstLimit: 10 };
    await putEnvironmentLimits(store, halfSet, { rate: 9, burst: 9 });
    await fake.client.send(new CreateApiKeyCommand({ name: "ei-dev-tier-tenant-env_gone", value: "env_gone" }));
    await fake.client.send(
      new DeleteUsagePlanKeyCommand({ usagePlanId: planId("ei-dev-tier-r50-b100"), keyId: keyId(limited) }),
    );
    await fake.client.send(
      new CreateUsagePlanKeyCommand({
        usagePlanId: planId("ei-dev-tier-r5-b10"),
        keyId: keyId(limited),
        keyType: "API_KEY",
      }),
    );

    const state = () => JSON.stringify([...fake.plans.values()].map((p) => [p.name, p.throttle, [...p.keys].sort()]));
    const before = state();
    const audit = json(await admin(true, "environment", "limits-audit"));
    expect(state()).toBe(before);
    expect(audit.environments).toBe(4);
    expect(audit.in_step).toBe(1);
    expect(audit.plans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ usage_plan: "ei-dev-tier-r50-b100", rate: 50, burst: 100, keys: 2 }),
        expect.objectContaining({ usage_plan: "ei-dev-tier-r5-b10", rate: 7, burst: 10, keys: 2 }),
      ]),
    );
    expect(audit.plans.map((p: { usage_plan: string }) => p.usage_plan)).not.toContain("ei-dev-anonymous");
    const byEnv = Object.fromEntries(audit.drift.map((d: { environment_id: string }) => [d.environment_id, d]));
    expect(byEnv).toEqual({
      [moved]: {
        environment_id: moved,
        rate: 50,
        burst: 100,
        expected_plan: "ei-dev-tier-r50-b100",
        actual_plans: expect.arrayContaining(["ei-dev-tier-r50-b100", "ei-dev-tier-r5-b10"]),
        problem: "in_several_plans",
      },
      [keyless]: {
        environment_id: keyless,
        rate: 50,
        burst: 100,
        expected_plan: "ei-dev-tier-r50-b100",
        problem: "missing_key",
      },
      [halfSet]: {
        environment_id: halfSet,
        rate: 9,
        burst: 9,
        expected_plan: "ei-dev-tier-r9-b9",
        actual_plans: ["ei-dev-tier-r50-b100"],
        problem: "wrong_plan",
      },
    });
    expect(audit.plan_drift).toEqual([
      { usage_plan: "ei-dev-tier-r5-b10", expected: { rate: 5, burst: 10 }, actual: { rate: 7, burst: 10 } },
    ]);
    expect(audit.orphan_keys).toEqual(["env_gone"]);
    expect(audit.fixed).toBeUndefined();

    const fixed = json(await admin(true, "environment", "limits-audit", "--fix"));
    expect(fixed.fixed).toEqual({ environments: 3, plans: 1, orphan_keys: 1 });
    expect(fake.planOf(moved)).toEqual(["ei-dev-tier-r50-b100"]);
    expect(fake.planOf(keyless)).toEqual(["ei-dev-tier-r50-b100"]);
    expect(fake.planOf(halfSet)).toEqual(["ei-dev-tier-r9-b9"]);
    expect(fake.planOf(limited)).toEqual(["ei-dev-tier-r5-b10"]);
    expect(fake.plans.get(planId("ei-dev-tier-r5-b10"))?.throttle).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect([...fake.keys.values()].map((k) => k.value)).not.toContain("env_gone");
    expect(json(await admin(true, "environment", "limits-audit"))).toMatchObject({
      environments: 4,
      in_step: 4,
      drift: [],
      plan_drift: [],
      orphan_keys: [],
    });
  });

  it("needs a deployment's usage plans, and has --help", async () => {
    const local = await admin(false, "environment", "limits-audit");
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/^error: limits-audit compares with a deployed API's usage plans/);
    expect(local.stderr.trim().split("\n")).toHaveLength(1);
    const help = await admin(false, "environment", "limits-audit", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--fix");
  });
});
