import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  UpdateUsagePlanCommand,
} from "@aws-sdk/client-api-gateway";
import { mockClient } from "aws-sdk-client-mock";

/**
 * API Gateway has no local stand-in, so its API is modelled here (keys, plans, plan membership) just far enough to
 * check what assignTier and the limits audit ask of it: one key per environment, in exactly one tier plan.
 */
export function fakeApiGateway() {
  const keys = new Map<string, { id: string; name: string; value: string }>();
  const plans = new Map<string, { id: string; name: string; throttle: unknown; keys: Set<string> }>();
  plans.set("p-default", {
    id: "p-default",
    name: "ei-dev-tier-r50-b100",
    throttle: { rateLimit: 50, burstLimit: 100 },
    keys: new Set(),
  });
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
  mock.on(GetUsagePlanKeysCommand).callsFake((input) => ({
    items: [...(plans.get(input.usagePlanId)?.keys ?? [])].map((id) => ({ id, type: "API_KEY" })),
  }));
  mock.on(UpdateUsagePlanCommand).callsFake((input) => {
    const plan = plans.get(input.usagePlanId);
    if (!plan) throw Object.assign(new Error("no such plan"), { name: "NotFoundException" });
    const throttle = { ...(plan.throttle as Record<string, number>) };
    for (const op of input.patchOperations ?? []) {
      if (op.op !== "replace") continue;
      if (op.path === "/throttle/rateLimit") throttle.rateLimit = Number(op.value);
      if (op.path === "/throttle/burstLimit") throttle.burstLimit = Number(op.value);
    }
    plan.throttle = throttle;
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
