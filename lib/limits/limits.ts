import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";

/**
 * Per-environment request limits (`environment set-limits`): a steady rate (requests per second) and a burst (the
 * bucket's size). Stored on the environment's own partition; an environment without its own limits has the
 * deployment's defaults (CDK context `tenantRateLimit` / `tenantBurstLimit`, locally TENANT_RATE_LIMIT /
 * TENANT_BURST_LIMIT). On AWS each distinct (rate, burst) pair is one usage plan, a *tier*, named by tierName().
 */
export interface RateLimits {
  /** Requests per second, steady state. */
  rate: number;
  /** Requests that may arrive at once (token bucket size). */
  burst: number;
}

export const DEFAULT_TENANT_LIMITS: RateLimits = { rate: 50, burst: 100 };
/** API Gateway's account default is 10,000 rps; a tenant above it is a support case, not a setting. */
export const MAX_RATE = 10_000;

export class InvalidLimitsError extends Error {}

/** Whole numbers, rate ≥ 1, burst ≥ rate's ceiling is not required (API Gateway accepts any burst ≥ 0): burst ≥ 1. */
export function checkLimits(rate: number, burst: number): RateLimits {
  if (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
    throw new InvalidLimitsError(`--rate must be a whole number of requests per second from 1 to ${MAX_RATE}`);
  }
  if (!Number.isInteger(burst) || burst < 1 || burst > 5 * MAX_RATE) {
    throw new InvalidLimitsError(`--burst must be a whole number of requests from 1 to ${5 * MAX_RATE}`);
  }
  return { rate, burst };
}

/** The defaults of this process: TENANT_RATE_LIMIT / TENANT_BURST_LIMIT when set, else DEFAULT_TENANT_LIMITS. */
export function defaultLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimits {
  const rate = env.TENANT_RATE_LIMIT ? Number(env.TENANT_RATE_LIMIT) : DEFAULT_TENANT_LIMITS.rate;
  const burst = env.TENANT_BURST_LIMIT ? Number(env.TENANT_BURST_LIMIT) : DEFAULT_TENANT_LIMITS.burst;
  return checkLimits(rate, burst);
}

/** The usage plan (tier) of a pair of limits: environments with equal limits share one plan. */
export function tierName(limits: RateLimits): string {
  return `r${limits.rate}-b${limits.burst}`;
}

/** The environment's own limits, or undefined when it has the defaults. One GetItem. */
export async function getEnvironmentLimits(store: Store, environmentId: string): Promise<RateLimits | undefined> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.environmentLimits(environmentId) }),
  );
  return got.Item ? { rate: got.Item.rate as number, burst: got.Item.burst as number } : undefined;
}

export async function putEnvironmentLimits(store: Store, environmentId: string, limits: RateLimits): Promise<void> {
  await store.doc.send(
    new PutCommand({
      TableName: store.tables.entities,
      Item: { ...keys.environmentLimits(environmentId), rate: limits.rate, burst: limits.burst },
    }),
  );
}
