import { describe, expect, it } from "vitest";
import { TokenBuckets } from "../../lib/limits/tokenBucket.js";

describe("TokenBuckets", () => {
  it("lets a burst through, then the rate, per key", () => {
    const buckets = new TokenBuckets();
    const limits = { rate: 2, burst: 3 };
    const at = (ms: number, key = "a") => buckets.take(key, limits, ms);
    expect([at(0), at(0), at(0)].every((r) => r.ok)).toBe(true);
    expect(at(0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(at(0, "b").ok).toBe(true); // another key has its own bucket
    expect(at(499).ok).toBe(false); // 0.998 tokens refilled
    expect(at(500).ok).toBe(true); // one token at 2/s after 0.5 s
    expect(at(10_000).ok).toBe(true); // refills up to the burst, no more
    expect(at(10_000).ok).toBe(true);
    expect(at(10_000).ok).toBe(true);
    expect(at(10_000).ok).toBe(false);
  });

  it("Retry-After is the whole seconds until a token is back", () => {
    const buckets = new TokenBuckets();
    const slow = { rate: 0.25, burst: 1 };
    expect(buckets.take("k", slow, 0).ok).toBe(true);
    expect(buckets.take("k", slow, 0)).toEqual({ ok: false, retryAfterSeconds: 4 });
    expect(buckets.take("k", slow, 1000)).toEqual({ ok: false, retryAfterSeconds: 3 });
  });
});
