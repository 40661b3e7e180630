import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";

/** Small DynamoDB helpers of the refresh: paged queries, batched reads and writes, bounded parallelism. */

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After a failure the other workers stop taking items, so a failed refresh ends promptly.
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Every item of a Query, following LastEvaluatedKey. */
export async function queryAll<T = Record<string, unknown>>(store: Store, input: QueryCommandInput): Promise<T[]> {
  const out: T[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    out.push(...((page.Items ?? []) as T[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_ATTEMPTS = 8;
const backoff = (attempt: number) => Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);

/** Items of `keys` (any number), BatchGet 100 at a time, unprocessed keys retried with backoff. */
export async function batchGetAll<T>(store: Store, table: string, keys: Record<string, unknown>[]): Promise<T[]> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  const pages = await mapLimit(chunks, 4, async (chunk) => {
    const found: T[] = [];
    let pending: Record<string, unknown>[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchGet: keys still unprocessed after retries");
      if (attempt > 0) await sleep(backoff(attempt));
      const got = await store.doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      found.push(...((got.Responses?.[table] ?? []) as T[]));
      pending = (got.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
    return found;
  });
  return pages.flat();
}

type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

/** Puts every item, BatchWrite 25 at a time, unprocessed items retried with backoff; throws if any is lost. */
export async function batchPutAll(store: Store, table: string, items: Record<string, unknown>[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25)
    chunks.push(items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
  await mapLimit(chunks, 8, async (chunk) => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchWrite: items still unprocessed after retries");
      if (attempt > 0) await sleep(backoff(attempt));
      const written = await store.doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = written.UnprocessedItems?.[table] ?? [];
    }
  });
}
