import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../lib/demo/random.js";
import { batchWriteAll } from "../../lib/storage/batch.js";
import type { Store } from "../../lib/storage/client.js";
import { compareSortKeys, mergedQueryFirst, mergedQueryPages } from "../../lib/storage/indexShards.js";
import { indexShardOf } from "../../lib/storage/tableDesign.js";
import { testStore } from "../helpers/store.js";

/**
 * A spread index partition read back as one: the shards' Queries merged in DynamoDB's sort-key order (UTF-8 bytes,
 * ids beyond the BMP included), ascending and descending, with small pages and a range condition.
 */

let store: Store;
const SHARDS = 7;
const pks = Array.from({ length: SHARDS }, (_, n) => `merge-test#${n}`);
const sks: string[] = [];

beforeAll(async () => {
  store = await testStore();
  const random = seededRandom(3);
  const alphabet = ["a", "z", "0", "é", "\uffff", "😀", "#"];
  for (let i = 0; i < 300; i++) {
    const id = Array.from({ length: random.int(1, 4) }, () => random.pick(alphabet)).join("") + i;
    sks.push(`${new Date(Date.UTC(2026, 0, 1) + random.int(0, 50) * 60_000).toISOString()}#${id}`);
  }
  await batchWriteAll(
    store,
    store.tables.activity,
    sks.map((sk) => ({ PutRequest: { Item: { pk: pks[indexShardOf(sk, SHARDS)], sk } } })),
  );
});

const query = (forward: boolean, from?: string) => ({
  TableName: store.tables.activity,
  KeyConditionExpression: from ? "pk = :pk AND sk >= :from" : "pk = :pk",
  ...(from ? { ExpressionAttributeValues: { ":from": from } } : {}),
  ScanIndexForward: forward,
  Limit: 4,
});

async function merged(forward: boolean, from?: string) {
  const out: string[] = [];
  for await (const page of mergedQueryPages<{ sk: string }>(store, query(forward, from), pks, "sk"))
    out.push(...page.map((i) => i.sk));
  return out;
}

describe("merged index shards", () => {
  it("read every shard in one sort-key order, both ways, as one partition would", async () => {
    const sorted = [...sks].sort(compareSortKeys);
    expect(new Set(sks.map((sk) => indexShardOf(sk, SHARDS))).size).toBe(SHARDS);
    expect(await merged(true)).toEqual(sorted);
    expect(await merged(false)).toEqual([...sorted].reverse());
    const from = sorted[100] as string;
    expect(await merged(true, from)).toEqual(sorted.slice(100));
    // JavaScript's own order differs for these ids: the merge must not use it.
    expect([...sks].sort()).not.toEqual(sorted);
  });

  it("take the first n in order", async () => {
    const sorted = [...sks].sort(compareSortKeys);
    const first = await mergedQueryFirst<{ sk: string }>(store, query(false), pks, "sk", 9);
    expect(first.map((i) => i.sk)).toEqual([...sorted].reverse().slice(0, 9));
  });
});
