import { BatchGetCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../lib/storage/client.js";
import { billedReadUnits, meterBilledReads, storedBytesOf } from "../../scripts/bench/costs.js";
import { testStore } from "../helpers/store.js";

// The bench bills reads as DynamoDB does, not as DynamoDB Local reports them: a key asked for costs its unit
// whether or not the item exists (ingestion mostly asks for claims and day set members not written yet).

let store: Store;
beforeAll(async () => {
  store = await testStore();
  meterBilledReads(store.doc);
  await store.doc.send(new PutCommand({ TableName: store.tables.entities, Item: { pk: "a", sk: "1", v: "x" } }));
});

describe("billed read units", () => {
  it("charges every key of a strongly consistent BatchGet, found or not", async () => {
    const before = billedReadUnits();
    const keys = [
      { pk: "a", sk: "1" },
      { pk: "missing", sk: "1" },
      { pk: "missing", sk: "2" },
    ];
    await store.doc.send(
      new BatchGetCommand({ RequestItems: { [store.tables.entities]: { Keys: keys, ConsistentRead: true } } }),
    );
    expect(billedReadUnits() - before).toBe(3);
  });

  it("charges half a unit for an eventually consistent GetItem of a missing item", async () => {
    const before = billedReadUnits();
    await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: { pk: "none", sk: "0" } }));
    expect(billedReadUnits() - before).toBe(0.5);
  });

  it("sizes storage as the items' bytes plus 100 bytes each", async () => {
    // pk "a" + sk "1" + v "x": (2 + 1) + (2 + 1) + (1 + 1) = 8 bytes, and the 100 of overhead.
    expect(await storedBytesOf(store)).toBe(108);
  });
});
