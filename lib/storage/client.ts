import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type TableNames, tableNamesFromEnv } from "./tableDesign.js";

/** What every storage function needs: a document client and the table names. */
export interface Store {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
}

export function createDocumentClient(endpoint = process.env.DYNAMODB_ENDPOINT): DynamoDBDocumentClient {
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? "us-east-1",
          // DynamoDB Local accepts any credentials; real AWS uses the default provider chain.
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
          maxAttempts: 3,
        }
      : { maxAttempts: 3 },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

let cached: Store | undefined;

/** The store of this process (Lambda container or local server), built once from the environment. */
export function storeFromEnv(): Store {
  cached ??= { doc: createDocumentClient(), tables: tableNamesFromEnv() };
  return cached;
}
