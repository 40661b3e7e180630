import type { QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { queryPages } from "./batch.js";
import type { Store } from "./client.js";

/**
 * Reading an index partition spread over several (tableDesign.ts: `bySignup` and the users of `byLastActive` are
 * spread by a hash of the id, so that no one partition takes a tenant's every sign-up or activity: issue 20).
 *
 * A reader still needs one order: this merges the shards' Queries (the same key condition on each partition) into
 * one stream in sort-key order, as one partition would have answered, reading each shard a page at a time. Cost: the
 * pages a single partition would have read, plus one Query per shard to start (each may come back empty).
 *
 * | reader                                   | shards read                 |
 * |------------------------------------------|-----------------------------|
 * | users in sign-up order (a page)          | every `bySignup` shard, ≤ 1 page each |
 * | users / orgs by latest activity (refresh)| every shard, merged, paged  |
 * | a count of a range (partial hour)        | every shard, COUNT, summed (no merge) |
 */

/**
 * Compares sort keys as DynamoDB orders them (UTF-8 bytes, i.e. code points), not as JS does (UTF-16 units), without
 * encoding them: the merge compares keys per item, the refresh's id ranges per id.
 */
export function compareSortKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF in code point order.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

interface Cursor<T> {
  pages: AsyncGenerator<T[]>;
  items: T[];
  at: number;
  done: boolean;
}

/**
 * The pages of `input` run on each of `pks` (bound to `:pk`), merged in `sortKey` order (descending when
 * `ScanIndexForward` is false). A page ends where one shard's page ends, so pages vary in size.
 */
export async function* mergedQueryPages<T extends Record<string, unknown>>(
  store: Store,
  input: QueryCommandInput,
  pks: readonly string[],
  sortKey: string,
): AsyncGenerator<T[]> {
  const bound = (pk: string): QueryCommandInput => ({
    ...input,
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":pk": pk },
  });
  if (pks.length === 1) {
    yield* queryPages<T>(store, bound(pks[0] as string));
    return;
  }
  const sign = input.ScanIndexForward === false ? -1 : 1;
  const cursors: Cursor<T>[] = pks.map((pk) => ({
    pages: queryPages<T>(store, bound(pk)),
    items: [],
    at: 0,
    done: false,
  }));
  const fill = async (c: Cursor<T>) => {
    while (!c.done && c.at >= c.items.length) {
      const next = await c.pages.next();
      if (next.done) c.done = true;
      else [c.items, c.at] = [next.value, 0];
    }
  };
  await Promise.all(cursors.map(fill));
  let out: T[] = [];
  for (;;) {
    let best: Cursor<T> | undefined;
    for (const c of cursors) {
      if (c.at >= c.items.length) continue;
      const key = c.items[c.at]?.[sortKey] as string;
      if (!best || sign * compareSortKeys(key, best.items[best.at]?.[sortKey] as string) < 0) best = c;
    }
    if (!best) break;
    out.push(best.items[best.at++] as T);
    if (best.at >= best.items.length) {
      yield out;
      out = [];
      await fill(best);
    }
  }
  if (out.length > 0) yield out;
}

/** The first `take` items of the merged shards (each shard's Query limited to `take` a page). */
export async function mergedQueryFirst<T extends Record<string, unknown>>(
  store: Store,
  input: QueryCommandInput,
  pks: readonly string[],
  sortKey: string,
  take: number,
): Promise<T[]> {
  const out: T[] = [];
  if (take <= 0) return out;
  for await (const page of mergedQueryPages<T>(store, { ...input, Limit: take }, pks, sortKey)) {
    out.push(...page.slice(0, take - out.length));
    if (out.length >= take) break;
  }
  return out;
}
