import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  type UsagePlan,
} from "@aws-sdk/client-api-gateway";
import { type RateLimits, tierName } from "./limits.js";

/**
 * The deployed API's side of per-tenant limits. API Gateway throttles per *API key of a usage plan*; with
 * `apiKeySourceType: AUTHORIZER` the authorizer names the key (its `usageIdentifierKey`: the environment id), so
 * every environment needs a gateway API key whose value is its id, in the usage plan of its tier.
 *
 * | operation                        | API Gateway calls                                                      |
 * |----------------------------------|------------------------------------------------------------------------|
 * | environment create / set-limits  | GetApiKeys (by name) + CreateApiKey if missing; GetUsagePlans (tier by |
 * |                                  | name, CreateUsagePlan if missing); move the key: DeleteUsagePlanKey    |
 * |                                  | from its other tier, CreateUsagePlanKey into this one                  |
 * | environment delete               | DeleteApiKey (its requests then fail at the gateway at once)           |
 *
 * A tier is one plan per distinct (rate, burst), named `{planPrefix}r{rate}-b{burst}`: the stack creates the default
 * tier (CDK context tenantRateLimit/tenantBurstLimit), set-limits creates others on first use. Plans this creates
 * are not in the CloudFormation stack: deleting the stack leaves them (they hold no data).
 */
export interface GatewayTarget {
  restApiId: string;
  stage: string;
  /** Usage plan names of tiers start with it (stack output UsagePlanPrefix). */
  planPrefix: string;
}

/** The deployment's API from API_ID, API_STAGE and USAGE_PLAN_PREFIX (stack outputs); undefined locally. */
export function gatewayTargetFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayTarget | undefined {
  if (!env.API_ID || !env.API_STAGE || !env.USAGE_PLAN_PREFIX) return undefined;
  return { restApiId: env.API_ID, stage: env.API_STAGE, planPrefix: env.USAGE_PLAN_PREFIX };
}

export const tenantKeyName = (target: GatewayTarget, environmentId: string) =>
  `${target.planPrefix}tenant-${environmentId}`;

async function findTenantKeyId(client: APIGatewayClient, target: GatewayTarget, environmentId: string) {
  const name = tenantKeyName(target, environmentId);
  let position: string | undefined;
  do {
    const page = await client.send(new GetApiKeysCommand({ nameQuery: name, position, limit: 500 }));
    const found = page.items?.find((key) => key.name === name);
    if (found?.id) return found.id;
    position = page.position;
  } while (position);
  return undefined;
}

async function tierPlans(client: APIGatewayClient, target: GatewayTarget, keyId?: string): Promise<UsagePlan[]> {
  const plans: UsagePlan[] = [];
  let position: string | undefined;
  do {
    const page = await client.send(new GetUsagePlansCommand({ keyId, position, limit: 500 }));
    plans.push(...(page.items ?? []).filter((plan) => plan.name?.startsWith(target.planPrefix)));
    position = page.position;
  } while (position);
  return plans;
}

const isConflict = (error: unknown) => error instanceof Error && error.name === "ConflictException";
const isNotFound = (error: unknown) => error instanceof Error && error.name === "NotFoundException";

/** Puts the environment's gateway key (created when missing) in the usage plan of its limits' tier, and only there. */
export async function assignTier(
  client: APIGatewayClient,
  target: GatewayTarget,
  environmentId: string,
  limits: RateLimits,
): Promise<{ usage_plan: string }> {
  let keyId = await findTenantKeyId(client, target, environmentId);
  if (!keyId) {
    const created = await client.send(
      new CreateApiKeyCommand({
        name: tenantKeyName(target, environmentId),
        value: environmentId,
        enabled: true,
        description: `Usage identifier of environment ${environmentId} (returned by the authorizer)`,
      }),
    );
    keyId = created.id as string;
  }
  const planName = `${target.planPrefix}${tierName(limits)}`;
  let plan = (await tierPlans(client, target)).find((p) => p.name === planName);
  plan ??= await client.send(
    new CreateUsagePlanCommand({
      name: planName,
      description: `Tenants limited to ${limits.rate} requests/s, bursts of ${limits.burst}`,
      throttle: { rateLimit: limits.rate, burstLimit: limits.burst },
      apiStages: [{ apiId: target.restApiId, stage: target.stage }],
    }),
  );
  for (const other of await tierPlans(client, target, keyId)) {
    if (other.id === plan.id) continue;
    try {
      await client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: other.id, keyId }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  try {
    await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId, keyType: "API_KEY" }));
  } catch (error) {
    if (!isConflict(error)) throw error; // already in this plan
  }
  return { usage_plan: planName };
}

/** Deletes the environment's gateway key: from then on the gateway refuses its requests (403) before any Lambda. */
export async function removeTenantKey(
  client: APIGatewayClient,
  target: GatewayTarget,
  environmentId: string,
): Promise<boolean> {
  const keyId = await findTenantKeyId(client, target, environmentId);
  if (!keyId) return false;
  try {
    await client.send(new DeleteApiKeyCommand({ apiKey: keyId }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return true;
}
