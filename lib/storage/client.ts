import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { addPersistentRetry, PERSISTENT_SDK_ATTEMPTS } from "./persistentRetry.js";
import { type TableNames, tableNamesFromEnv } from "./tableDesign.js";

/** What every storage function needs: a document client and the table names. */
export interface Store {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
}

export interface ClientOptions {
  /**
   * Retry throttles and conflicts for as long as a waiting person or job reasonably can (persistentRetry.ts):
   * the admin CLI, demo seeding, refresh and deletion workers. Request paths keep the SDK's 3 attempts and answer 503.
   */
  persistent?: boolean;
}

export function createDocumentClient(
  endpoint = process.env.DYNAMODB_ENDPOINT,
  options: ClientOptions = {},
): DynamoDBDocumentClient {
  const retries = options.persistent
    ? { maxAttempts: PERSISTENT_SDK_ATTEMPTS, retryMode: "adaptive" }
    : { maxAttempts: 3 };
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? "us-east-1",
          // DynamoDB Local accepts any credentials; real AWS uses the default provider chain.
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
          ...retries,
        }
      : retries,
  );
  if (options.persistent) addPersistentRetry(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

let cached: Store | undefined;
let cachedPersistent: Store | undefined;

/** The store of this process's request paths (Lambda container or local server), built once from the environment. */
export function storeFromEnv(): Store {
  cached ??= { doc: createDocumentClient(), tables: tableNamesFromEnv() };
  return cached;
}

/** The store of a job or a command someone waits on: the same tables, with persistent retries (persistentRetry.ts). */
export function persistentStoreFromEnv(): Store {
  cachedPersistent ??= { doc: createDocumentClient(undefined, { persistent: true }), tables: tableNamesFromEnv() };
  return cachedPersistent;
}
