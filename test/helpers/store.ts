import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";
import { createTables } from "../../lib/storage/createTables.js";
import { tableNames } from "../../lib/storage/tableDesign.js";

/**
 * Tables of this test file's own in the run's DynamoDB Local, and the environment variables that make handlers
 * (which build their store from the environment) use them.
 */
export async function testStore(): Promise<Store> {
  const endpoint = inject("dynamodbEndpoint");
  const prefix = `t${randomUUID().slice(0, 8)}-`;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.TABLE_PREFIX = prefix;
  process.env.AWS_REGION ??= "us-east-1";
  const store: Store = {
    doc: createDocumentClient(endpoint),
    tables: tableNames(prefix),
  };
  await createTables(store);
  return store;
}
