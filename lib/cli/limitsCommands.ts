import type { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { requireEnvironment } from "../auth/credentials.js";
import { assignTier, type GatewayTarget } from "../limits/gatewayTiers.js";
import {
  checkLimits,
  defaultLimitsFromEnv,
  InvalidLimitsError,
  putEnvironmentLimits,
  type RateLimits,
  tierName,
} from "../limits/limits.js";
import { auditLimits, type LimitsAudit } from "../limits/limitsAudit.js";
import { listEnvironmentIds } from "../reports/refresh.js";
import type { Store } from "../storage/client.js";
import { CliError } from "./errors.js";

/** The deployed API whose usage plans the admin CLI keeps in step (none locally: the local server reads the table). */
export interface Gateway {
  client: APIGatewayClient;
  target: GatewayTarget;
}

function parseWhole(name: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new CliError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

export function parseLimits(rate: string, burst: string): RateLimits {
  try {
    return checkLimits(parseWhole("--rate", rate), parseWhole("--burst", burst));
  } catch (error) {
    if (error instanceof InvalidLimitsError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * `environment set-limits --environment ID --rate R --burst B`: stored on the environment (the local server's
 * limiter and the record of truth), then, on AWS, the environment's gateway key moves to the usage plan of that tier.
 */
export async function environmentSetLimits(
  store: Store,
  gateway: Gateway | undefined,
  environmentId: string,
  limits: RateLimits,
): Promise<{ environment_id: string; rate: number; burst: number; tier: string; usage_plan?: string }> {
  await requireEnvironment(store, environmentId);
  await putEnvironmentLimits(store, environmentId, limits);
  const synced = gateway ? await assignTier(gateway.client, gateway.target, environmentId, limits) : {};
  return { environment_id: environmentId, ...limits, tier: tierName(limits), ...synced };
}

/** A new environment's gateway key, in the default tier (on AWS; nothing to do locally). */
export async function provisionGatewayKey(gateway: Gateway | undefined, environmentId: string): Promise<void> {
  if (gateway) await assignTier(gateway.client, gateway.target, environmentId, defaultLimitsFromEnv());
}

/**
 * `environment limits-audit [--fix]` (lib/limits/limitsAudit.ts): the stored limits of every listed environment
 * against the deployed API's usage plans. Only a deployment has usage plans: locally the table is all there is.
 */
export async function environmentLimitsAudit(
  store: Store,
  gateway: Gateway | undefined,
  fix: boolean,
): Promise<LimitsAudit> {
  if (!gateway) {
    throw new CliError(
      "limits-audit compares with a deployed API's usage plans: set API_ID, API_STAGE and USAGE_PLAN_PREFIX (stack outputs)",
    );
  }
  return auditLimits(store, gateway.client, gateway.target, await listEnvironmentIds(store), { fix });
}
