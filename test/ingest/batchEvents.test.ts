import { randomBytes } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { deleteBatchEvents, readBatchEvents, storeBatchEvents } from "../../lib/ingest/batchEvents.js";
import type { IngestEvent } from "../../lib/ingest/schema.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { testStore } from "../helpers/store.js";

/** A batch's stored events (lib/ingest/batchEvents.ts) on DynamoDB Local: cut into chunks under the item limit. */

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

const itemsOf = async (batchId: string) =>
  (
    await store.doc.send(
      new QueryCommand({
        TableName: store.tables.entities,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.ingestBatch("env", batchId).pk },
      }),
    )
  ).Items ?? [];

describe("a batch's stored events", () => {
  it("round-trip whole and in order through several chunks when they don't compress (a request is ≤ 1 MiB)", async () => {
    // Profiles of random text barely compress: ≈ 1 MB of events, three chunks of ≤ 350 KB.
    const events = Array.from(
      { length: 40 },
      (_, i): IngestEvent => ({
        type: "user.created",
        user_id: `u${i}`,
        eventId: `e${i}`,
        at: 1_700_000_000_000 + i,
        // A key that is special in JavaScript stays an ordinary one (as a parsed request body holds it).
        profile: { bio: randomBytes(18_000).toString("base64"), ...JSON.parse('{"__proto__": "kept"}') },
      }),
    );
    const stored = await storeBatchEvents(store, "env", "b-big", events, Date.now());
    expect(stored.chunks).toBeGreaterThanOrEqual(3);
    const items = await itemsOf("b-big");
    expect(items).toHaveLength(stored.chunks);
    for (const item of items) expect((item.events as Uint8Array).length).toBeLessThanOrEqual(350_000);
    const read = await readBatchEvents(store, "env", "b-big", stored);
    expect(read).toEqual(JSON.parse(JSON.stringify(events)));
    const [first] = (read ?? []) as { profile: object }[];
    expect(Object.hasOwn(first?.profile ?? {}, "__proto__")).toBe(true);

    await deleteBatchEvents(store, "env", "b-big", stored);
    expect(await itemsOf("b-big")).toEqual([]);
    // Gone (deleted, or expired): the batch can't be applied from them, and says so.
    expect(await readBatchEvents(store, "env", "b-big", stored)).toBeUndefined();
  });
});
