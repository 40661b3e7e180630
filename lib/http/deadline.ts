import type { Store } from "../storage/client.js";

/**
 * A request's deadline: a buffered route must answer before its Lambda is stopped, and an answer cut off by a
 * timeout must say "retry" (503 with `Retry-After`), never 500 and never nothing.
 *
 * | what                          | value                                                                    |
 * |-------------------------------|--------------------------------------------------------------------------|
 * | buffered function timeout     | HTTP_FUNCTION_TIMEOUT_SECONDS (API Gateway gives up at 29 s)              |
 * | answer 503 at                 | the function's remaining time − DEADLINE_MARGIN_MS                       |
 * | after that                    | the request's storage calls that have not started fail with DeadlineReached |
 *
 * Why a margin and a guard rather than a timer alone: the answer has to leave before Lambda freezes the process, so
 * it is sent while DynamoDB calls may still be in flight; the guard then keeps the request from *starting* more
 * writes. Everything ingestion writes is idempotent and a batch completes only with its last write, so a request
 * stopped anywhere leaves its batch pending, and the client's retry (as the 503 asks) completes it exactly once.
 */
export const HTTP_FUNCTION_TIMEOUT_SECONDS = 25;
/** The streaming dashboard's function timeout (infra/functions.ts STREAMING_HTTP_TIMEOUT). */
export const STREAMING_FUNCTION_TIMEOUT_SECONDS = 180;
export const DEADLINE_MARGIN_MS = 3_000;
/** What the 503 tells the client to wait, in seconds. */
export const DEADLINE_RETRY_AFTER_SECONDS = 1;

/** Thrown by a storage call attempted after the request's deadline: answered 503 like any retryable fault. */
export class DeadlineReached extends Error {
  override name = "DeadlineReached";
  constructor() {
    super("the request reached its deadline before this call");
  }
}

/** The time a request may still work, in ms, from its function's remaining time. */
export function workBudgetMs(remainingMs: number): number {
  return Math.max(0, remainingMs - DEADLINE_MARGIN_MS);
}

/**
 * The same store, whose calls fail with DeadlineReached once `signal` has aborted (calls already sent complete as
 * they would).
 */
export function withDeadline(store: Store, signal: AbortSignal | undefined): Store {
  if (!signal) return store;
  const doc = new Proxy(store.doc, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return (...args: Parameters<typeof target.send>) => {
        if (signal.aborted) return Promise.reject(new DeadlineReached());
        return (target.send as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { ...store, doc };
}
