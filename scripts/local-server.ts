import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureWebBuild, WEB_DIST } from "../infra/webBuild.js";
import { persistentStoreFromEnv } from "../lib/storage/client.js";
import { createTables } from "../lib/storage/createTables.js";
import { type DynamoDbLocal, JavaMissingError, startDynamoDbLocal } from "../lib/storage/dynamodbLocal.js";
import { startDemoServer } from "./lib/demoServer.js";
import { parseDuration } from "./lib/duration.js";

// `npm start` (CONTRACT §0 "Local run"): DynamoDB Local under .data/, the demo environment, every route and the
// dashboard (web/dist, built first when stale) on PORT.

// Absolute: DynamoDB Local runs with its own working directory, and `npm start` may be run from anywhere.
const DATA_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), ".data");
const port = Number(process.env.PORT ?? 3000);
const refreshEveryMs = parseDuration(process.env.REFRESH_EVERY ?? "300s");
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

try {
  if (ensureWebBuild()) console.log("Built the dashboard (web/dist).");
} catch (error) {
  console.error(`Cannot build the dashboard: ${(error as Error).message}`);
  process.exit(1);
}

let dynamodb: DynamoDbLocal | undefined;
if (!process.env.DYNAMODB_ENDPOINT) {
  try {
    dynamodb = await startDynamoDbLocal({
      port: Number(process.env.DYNAMODB_PORT ?? 8000),
      dataDir: join(DATA_DIR, "dynamodb"),
    });
  } catch (error) {
    console.error(
      error instanceof JavaMissingError ? error.message : `Cannot start DynamoDB Local: ${(error as Error).message}`,
    );
    process.exit(1);
  }
  // The handlers and the admin CLI find DynamoDB through the environment.
  process.env.DYNAMODB_ENDPOINT = dynamodb.endpoint;
}
process.env.AWS_REGION ??= "us-east-1";

const stopDynamoDb = async () => {
  await dynamodb?.stop();
  dynamodb = undefined;
};

// Installed before the (long) first start, so Ctrl-C or a SIGTERM at any point also stops DynamoDB Local.
const stopping: (() => Promise<void> | void)[] = [];
let stopRequested = false;
const shutdown = async () => {
  if (stopRequested) return;
  stopRequested = true;
  for (const stop of stopping) await stop();
  await stopDynamoDb();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

try {
  const store = persistentStoreFromEnv();
  await createTables(store);
  const credentialsPath = join(DATA_DIR, "demo-credentials.json");
  const demo = await startDemoServer({
    store,
    port,
    credentialsPath,
    webDir: WEB_DIST,
    refreshEveryMs,
    log: (line) => console.log(line),
    onRefreshError: (error) => {
      if (!stopRequested) console.error(`Report refresh failed: ${error.message}`);
    },
  });
  stopping.push(() => demo.stop());
  if (stopRequested) await new Promise(() => {}); // shutting down: let the handler exit
  const { server, credentials, created } = demo;
  console.log(`${created ? "Created" : "Using"} the demo environment (also in ${credentialsPath}):`);
  console.log(JSON.stringify(credentials, null, 2));
  console.log(`Refreshing the reports (then every ${refreshEveryMs / 1000}s) before saying ready...`);
  const refreshed = await demo.ready.then(
    () => true,
    (error: Error) => {
      console.error(`The first report refresh failed (retried every ${refreshEveryMs / 1000}s): ${error.message}`);
      return false;
    },
  );
  console.log(`DynamoDB: ${process.env.DYNAMODB_ENDPOINT}`);
  console.log(`Serving every route at ${server.url}, e.g.:`);
  console.log(
    `  curl -H 'Authorization: Bearer ${credentials.api_key}' -H 'environment-id: ${credentials.environment_id}' ${server.url}/api/v2/users?limit=3`,
  );
  if (refreshed) console.log(`Ready: the dashboard is at ${server.url}/`);
} catch (error) {
  if (stopRequested) await new Promise(() => {});
  console.error(`Local server failed to start: ${(error as Error).message}`);
  await stopDynamoDb();
  process.exit(1);
}
