import { familyErrors } from "../http/familyErrors.js";
import { type HttpResponse, json } from "../http/types.js";
import type { Family } from "../routes.js";
import type { Store } from "../storage/client.js";
import { defaultLimitsFromEnv, getEnvironmentLimits, type RateLimits } from "./limits.js";
import { tenantOf } from "./tenantOf.js";
import { TokenBuckets } from "./tokenBucket.js";

/**
 * The local server's stand-in for the API Gateway authorizer + usage plans: before a request reaches its family's
 * handler, the tenant of its credential takes a token from that tenant's bucket (its own limits, else the
 * defaults); an empty bucket is answered 429 in the family's error format with `Retry-After`, without calling the
 * handler. Requests without a valid credential pass (the handler answers 401, as behind the gateway, where they
 * count against the shared anonymous plan).
 *
 * Like the authorizer, the credential → tenant answer is cached for `credentialTtlMs`; a revoked key is still
 * refused at once by the handler, which checks the credential on every request. Limits are cached for
 * `limitsTtlMs` so `set-limits` takes effect within it.
 */
export interface TenantGateOptions {
  credentialTtlMs?: number;
  limitsTtlMs?: number;
  defaults?: RateLimits;
  now?: () => number;
}

interface Cached<T> {
  value: T;
  until: number;
}

export class TenantGate {
  private readonly buckets = new TokenBuckets();
  private readonly tenants = new Map<string, Cached<string | undefined>>();
  private readonly limits = new Map<string, Cached<RateLimits>>();
  private readonly credentialTtlMs: number;
  private readonly limitsTtlMs: number;
  private readonly defaults: RateLimits;
  private readonly now: () => number;

  constructor(
    private readonly store: () => Store,
    options: TenantGateOptions = {},
  ) {
    this.credentialTtlMs = options.credentialTtlMs ?? 300_000;
    this.limitsTtlMs = options.limitsTtlMs ?? 5_000;
    this.defaults = options.defaults ?? defaultLimitsFromEnv();
    this.now = options.now ?? Date.now;
  }

  /** A 429 response when the request's tenant is over its limits; undefined when it may go on. */
  async check(family: Family, headers: Record<string, string | undefined>): Promise<HttpResponse | undefined> {
    const environmentId = await this.tenant(family, headers);
    if (environmentId === undefined) return undefined;
    const limits = await this.limitsOf(environmentId);
    const taken = this.buckets.take(environmentId, limits, this.now());
    if (taken.ok) return undefined;
    const response = json(429, familyErrors[family].tooManyRequests);
    response.headers["retry-after"] = String(taken.retryAfterSeconds);
    return response;
  }

  private async tenant(family: Family, headers: Record<string, string | undefined>): Promise<string | undefined> {
    const cacheKey = JSON.stringify(
      family === "dashboard"
        ? ["token", headers["x-user-id"], headers["x-auth-token"]]
        : ["key", headers.authorization],
    );
    const cached = this.tenants.get(cacheKey);
    if (cached && cached.until > this.now()) return cached.value;
    const value = await tenantOf(this.store(), family, headers);
    this.tenants.set(cacheKey, { value, until: this.now() + this.credentialTtlMs });
    return value;
  }

  private async limitsOf(environmentId: string): Promise<RateLimits> {
    const cached = this.limits.get(environmentId);
    if (cached && cached.until > this.now()) return cached.value;
    const value = (await getEnvironmentLimits(this.store(), environmentId)) ?? this.defaults;
    this.limits.set(environmentId, { value, until: this.now() + this.limitsTtlMs });
    return value;
  }
}
