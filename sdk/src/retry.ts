import { NetworkError, RetryableApiError } from "./errors.js";
import { retryDelay } from "./http.js";

/**
 * Retries, for both clients: one loop, two policies of what is worth sending again.
 *
 * | client | retried | never retried |
 * |---|---|---|
 * | ingestion (a batch) | 429, any 5xx, a network error, a timeout | other 4xx |
 * | reader (a GET) | 429, 503, a connection that failed before any answer | other statuses; a timeout |
 *
 * Between tries: at least the server's `Retry-After` plus a full-jitter backoff (http.ts `retryDelay`). The caller's
 * `signal` ends the wait at once and the last error is thrown.
 *
 * Why the policies differ: a batch carries event ids, so any retry is safe and worth it (the server may have stored
 * it and lost the answer: the retry finds its events counted). A read changes nothing, but its 5xx other than 503
 * would answer the same again (a 500 is a fault, not a wait), and a reader who asked with a 30 s timeout has waited
 * it already and should not wait minutes more by default. A 429 or 503 is how the service asks to be called again:
 * a rate limit, a throttle, or work it goes on with at the next call (the hour counts of old history, derived over
 * several reads).
 */

export interface RetryPolicy {
  /** Further tries after the first (0: one request). */
  maxRetries: number;
  /** Backoff: the first retry waits up to `baseDelay` ms, doubling per retry, at most `maxDelay`. */
  baseDelay: number;
  maxDelay: number;
  retryable: (error: unknown) => boolean;
}

export const ingestionRetryable = (error: unknown) =>
  error instanceof RetryableApiError || error instanceof NetworkError;

export const readRetryable = (error: unknown) =>
  (error instanceof RetryableApiError && (error.status === 429 || error.status === 503)) ||
  (error instanceof NetworkError && !error.timedOut);

/** Resolves after `ms`, or at once when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done);
  });

/** `send` until it succeeds, fails in a way `policy` does not retry, runs out of retries, or `signal` aborts. */
export async function withRetries<T>(
  send: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!policy.retryable(error) || attempt >= policy.maxRetries || signal?.aborted) throw error;
      const retryAfter = error instanceof RetryableApiError ? error.retryAfter : undefined;
      await sleep(retryDelay(attempt, policy.baseDelay, policy.maxDelay, retryAfter), signal);
      if (signal?.aborted) throw error;
    }
  }
}
