import type { RateLimits } from "./limits.js";

/**
 * Token buckets, one per key (an environment): what API Gateway's usage-plan throttling does per API key, so the
 * local server behaves like the deployed API. A bucket holds up to `burst` tokens and refills `rate` per second;
 * each request takes one. Pure: time is passed in.
 */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  take(key: string, limits: RateLimits, nowMs: number): TakeResult {
    const bucket = this.buckets.get(key) ?? { tokens: limits.burst, at: nowMs };
    const refilled = Math.min(limits.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * limits.rate);
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: nowMs });
      return { ok: true };
    }
    this.buckets.set(key, { tokens: refilled, at: nowMs });
    // Whole seconds (Retry-After's unit), at least 1: when one token will have refilled.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - refilled) / limits.rate)) };
  }
}
