import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { backoff } from "../util/backoff.js";
import { mapLimit } from "../util/mapLimit.js";
import type { Store } from "./client.js";

/** Paged queries and batched reads and writes, with the retries of unprocessed items DynamoDB asks for. */

const MAX_ATTEMPTS = 8;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
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

/** The pages of a Query one at a time, so a caller streaming a long partition holds one page (≤ 1 MB) at once. */
export async function* queryPages<T = Record<string, unknown>>(store: Store, input: QueryCommandInput) {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    yield (page.Items ?? []) as T[];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** Number of items a Query matches (after its filter), without returning them. */
export async function queryCount(store: Store, input: QueryCommandInput): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(new QueryCommand({ ...input, Select: "COUNT", ExclusiveStartKey }));
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}

/** Items of any number of keys: BatchGet 100 at a time, unprocessed keys retried with backoff. */
export async function batchGetAll<T = Record<string, unknown>>(
  store: Store,
  table: string,
  keys: Record<string, unknown>[],
  options: {
    consistent?: boolean;
    concurrency?: number;
    /** Only these attributes (names are aliased, so reserved words are fine). */
    attributes?: readonly string[];
  } = {},
): Promise<T[]> {
  const names = options.attributes?.map((_, i) => `#a${i}`);
  const projection = names
    ? {
        ProjectionExpression: names.join(", "),
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [n, options.attributes?.[i] as string])),
      }
    : {};
  const pages = await mapLimit(chunk(keys, 100), options.concurrency ?? 8, async (keysOfCall) => {
    const found: T[] = [];
    let pending = keysOfCall;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchGet: keys still unprocessed after retries");
      if (attempt > 0) await backoff(attempt);
      const got = await store.doc.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: options.consistent, ...projection } },
        }),
      );
      found.push(...((got.Responses?.[table] ?? []) as T[]));
      pending = (got.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
    return found;
  });
  return pages.flat();
}

export type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

/** Idempotent puts and deletes: BatchWrite 25 at a time, unprocessed items retried; throws if any is lost. */
export async function batchWriteAll(
  store: Store,
  table: string,
  requests: WriteRequest[],
  concurrency = 8,
): Promise<void> {
  await mapLimit(chunk(requests, 25), concurrency, async (requestsOfCall) => {
    let pending = requestsOfCall;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchWrite: items still unprocessed after retries");
      if (attempt > 0) await backoff(attempt);
      const written = await store.doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = written.UnprocessedItems?.[table] ?? [];
    }
  });
}

/** Puts every item (see batchWriteAll). */
export function batchPutAll(store: Store, table: string, items: Record<string, unknown>[]): Promise<void> {
  return batchWriteAll(
    store,
    table,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
}
