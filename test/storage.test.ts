import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { keys } from "../lib/storage/tableDesign.js";
import { testStore } from "./helpers/store.js";

describe("test harness", () => {
  it("gives each file its own tables in a real DynamoDB Local", async () => {
    const store = await testStore();
    await store.doc.send(
      new PutCommand({ TableName: store.tables.entities, Item: { ...keys.environment("e1"), name: "x" } }),
    );
    const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.environment("e1") }));
    expect(got.Item?.name).toBe("x");
    const other = await testStore();
    const missing = await other.doc.send(
      new GetCommand({ TableName: other.tables.entities, Key: keys.environment("e1") }),
    );
    expect(missing.Item).toBeUndefined();
  });
});
