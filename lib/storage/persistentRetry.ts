import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { isRetryable } from "../http/retryable.js";
import { backoff } from "../util/backoff.js";

/**
 * Persistent retries, for callers that a person or a job waits on (the admin CLI, the demo seeding, the refresh and
 * deletion workers) — never for a request path, which answers 503 and lets its caller retry.
 *
 * Why on top of the SDK's own retries: the SDK retries throttles a few times (here in its `adaptive` mode, which
 * also slows the client down to the rate DynamoDB accepts), but a long job makes thousands of calls, so even rare
 * runs of throttles end it; and the SDK never retries a transaction cancelled by `TransactionConflict`, which is a
 * normal outcome when a job's transaction meets ingestion's on the same item. A cancelled transaction wrote nothing
 * and a throttled call was not applied, so sending the same command again is always safe.
 *
 * | what                                   | value                                                  |
 * |----------------------------------------|--------------------------------------------------------|
 * | SDK attempts per call (adaptive mode)   | PERSISTENT_SDK_ATTEMPTS                                |
 * | whole-command attempts on top           | PERSISTENT_COMMAND_ATTEMPTS, backoff 25 ms → 2 s, jitter |
 * | errors retried                          | lib/http/retryable.ts: throttles, conflicts, 5xx, timeouts |
 */
export const PERSISTENT_SDK_ATTEMPTS = 5;
export const PERSISTENT_COMMAND_ATTEMPTS = 8;

/** Adds the whole-command retry to a client (its commands and those of a document client built on it). */
export function addPersistentRetry(client: DynamoDBClient, attempts = PERSISTENT_COMMAND_ATTEMPTS): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next(args);
        } catch (error) {
          if (attempt >= attempts || !isRetryable(error)) throw error;
          await backoff(attempt);
        }
      }
    },
    { step: "initialize", name: "persistentRetry", priority: "high" },
  );
}
