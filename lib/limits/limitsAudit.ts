import {
  type APIGatewayClient,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  UpdateUsagePlanCommand,
  type UsagePlan,
} from "@aws-sdk/client-api-gateway";
import { getEnvironment } from "../auth/credentials.js";
import type { Store } from "../storage/client.js";
import { mapLimit } from "../util/mapLimit.js";
import { assignTier, type GatewayTarget, removeTenantKey, tenantKeyName } from "./gatewayTiers.js";
import { defaultLimitsFromEnv, getEnvironmentLimits, type RateLimits, tierName } from "./limits.js";

/**
 * `environment limits-audit [--fix]`: compares the limits stored per environment (the record of truth, limits.ts)
 * with what API Gateway enforces (gatewayTiers.ts), because the two are written by separate calls (set-limits
 * stores, then moves the key) and the plans can be edited in the console.
 *
 * | reads                                   | calls                                                           |
 * |-----------------------------------------|-----------------------------------------------------------------|
 * | tier plans                              | GetUsagePlans (paged), GetUsagePlanKeys per tier plan (paged)   |
 * | tenant keys                             | GetApiKeys by the tenant key name prefix (paged)                |
 * | stored limits                           | 1 GetItem per environment (`LIMITS`; defaults when absent)      |
 *
 * Drift found, and what `--fix` does about it:
 *  - an environment whose key is missing, in no plan, in another tier's plan or in several: assignTier (the key
 *    created when missing, moved into its tier's plan alone);
 *  - a tier plan whose throttle is not the one its name says (edited by hand): UpdateUsagePlan back to its name;
 *  - a tenant key of an environment that no longer exists (a deletion interrupted before its key went): deleted.
 * An offline admin command: it reads every environment and plan, never on a request path.
 */

export interface TierPlan {
  usage_plan: string;
  id: string;
  rate?: number;
  burst?: number;
  keys: number;
}

export interface EnvironmentDrift {
  environment_id: string;
  rate: number;
  burst: number;
  expected_plan: string;
  /** The tier plans the environment's key is in (empty: none); absent when it has no key at all. */
  actual_plans?: string[];
  problem: "missing_key" | "in_no_plan" | "wrong_plan" | "in_several_plans";
}

export interface PlanDrift {
  usage_plan: string;
  expected: RateLimits;
  actual: { rate?: number; burst?: number };
}

export interface LimitsAudit {
  environments: number;
  in_step: number;
  plans: TierPlan[];
  drift: EnvironmentDrift[];
  plan_drift: PlanDrift[];
  /** Tenant keys of environments that no longer exist. */
  orphan_keys: string[];
  /** Present with --fix: what was repaired. */
  fixed?: { environments: number; plans: number; orphan_keys: number };
}

const TIER_NAME = /^r(\d+)-b(\d+)$/;
const PARALLEL = 8;

async function pagedItems<T>(fetch: (position?: string) => Promise<{ items?: T[]; position?: string }>) {
  const items: T[] = [];
  let position: string | undefined;
  do {
    const page = await fetch(position);
    items.push(...(page.items ?? []));
    position = page.position;
  } while (position);
  return items;
}

/** The limits a tier plan's name stands for (`{prefix}r{rate}-b{burst}`), or undefined for another plan. */
export function tierLimits(target: GatewayTarget, planName: string): RateLimits | undefined {
  const match = planName.startsWith(target.planPrefix)
    ? TIER_NAME.exec(planName.slice(target.planPrefix.length))
    : null;
  return match ? { rate: Number(match[1]), burst: Number(match[2]) } : undefined;
}

/** Audits every environment (`environmentIds`) against the gateway; with `fix`, repairs what drifted. */
export async function auditLimits(
  store: Store,
  client: APIGatewayClient,
  target: GatewayTarget,
  environmentIds: string[],
  options: { fix?: boolean } = {},
): Promise<LimitsAudit> {
  const plans = (
    await pagedItems<UsagePlan>((position) => client.send(new GetUsagePlansCommand({ position, limit: 500 })))
  ).filter((p) => p.name !== undefined && p.id !== undefined && tierLimits(target, p.name) !== undefined);
  const planKeys = await mapLimit(plans, PARALLEL, (plan) =>
    pagedItems<{ id?: string }>((position) =>
      client.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id, position, limit: 500 })),
    ),
  );
  const plansOfKey = new Map<string, string[]>();
  plans.forEach((plan, i) => {
    for (const key of planKeys[i] ?? [])
      if (key.id) plansOfKey.set(key.id, [...(plansOfKey.get(key.id) ?? []), plan.name as string]);
  });
  const keyPrefix = tenantKeyName(target, "");
  const tenantKeys = new Map(
    (
      await pagedItems<{ id?: string; name?: string }>((position) =>
        client.send(new GetApiKeysCommand({ nameQuery: keyPrefix, position, limit: 500 })),
      )
    )
      .filter((k) => k.id && k.name?.startsWith(keyPrefix))
      .map((k) => [(k.name as string).slice(keyPrefix.length), k.id as string]),
  );

  const defaults = defaultLimitsFromEnv();
  const drift: EnvironmentDrift[] = [];
  const stored = await mapLimit(
    environmentIds,
    PARALLEL,
    async (id) => (await getEnvironmentLimits(store, id)) ?? defaults,
  );
  environmentIds.forEach((environmentId, i) => {
    const limits = stored[i] as RateLimits;
    const expected = `${target.planPrefix}${tierName(limits)}`;
    const keyId = tenantKeys.get(environmentId);
    const base = { environment_id: environmentId, ...limits, expected_plan: expected };
    if (!keyId) {
      drift.push({ ...base, problem: "missing_key" });
      return;
    }
    const actual = plansOfKey.get(keyId) ?? [];
    if (actual.length === 1 && actual[0] === expected) return;
    const problem = actual.length === 0 ? "in_no_plan" : actual.length > 1 ? "in_several_plans" : "wrong_plan";
    drift.push({ ...base, actual_plans: actual, problem });
  });

  const planDrift: PlanDrift[] = [];
  for (const plan of plans) {
    const expected = tierLimits(target, plan.name as string) as RateLimits;
    const actual = { rate: plan.throttle?.rateLimit, burst: plan.throttle?.burstLimit };
    if (actual.rate !== expected.rate || actual.burst !== expected.burst)
      planDrift.push({ usage_plan: plan.name as string, expected, actual });
  }

  const listed = new Set(environmentIds);
  const unlisted = [...tenantKeys.keys()].filter((id) => !listed.has(id));
  const exists = await mapLimit(unlisted, PARALLEL, async (id) => (await getEnvironment(store, id)) !== undefined);
  const orphanKeys = unlisted.filter((_, i) => !exists[i]);

  const audit: LimitsAudit = {
    environments: environmentIds.length,
    in_step: environmentIds.length - drift.length,
    plans: plans.map((plan, i) => ({
      usage_plan: plan.name as string,
      id: plan.id as string,
      ...(plan.throttle?.rateLimit === undefined ? {} : { rate: plan.throttle.rateLimit }),
      ...(plan.throttle?.burstLimit === undefined ? {} : { burst: plan.throttle.burstLimit }),
      keys: planKeys[i]?.length ?? 0,
    })),
    drift,
    plan_drift: planDrift,
    orphan_keys: orphanKeys,
  };
  if (!options.fix) return audit;

  // Plans first: a key moved into a plan then has that plan's corrected throttle.
  for (const d of planDrift) {
    const plan = plans.find((p) => p.name === d.usage_plan) as UsagePlan;
    await client.send(
      new UpdateUsagePlanCommand({
        usagePlanId: plan.id,
        patchOperations: [
          { op: "replace", path: "/throttle/rateLimit", value: String(d.expected.rate) },
          { op: "replace", path: "/throttle/burstLimit", value: String(d.expected.burst) },
        ],
      }),
    );
  }
  for (const d of drift) await assignTier(client, target, d.environment_id, { rate: d.rate, burst: d.burst });
  for (const id of orphanKeys) await removeTenantKey(client, target, id);
  return { ...audit, fixed: { environments: drift.length, plans: planDrift.length, orphan_keys: orphanKeys.length } };
}
