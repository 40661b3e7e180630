import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { SQSClient } from "@aws-sdk/client-sqs";
import { adminEndpoint } from "../lib/cli/endpoint.js";
import type { Gateway } from "../lib/cli/limitsCommands.js";
import { runAdmin } from "../lib/cli/program.js";
import { stderrProgressBar } from "../lib/cli/progressBar.js";
import type { JobQueue } from "../lib/cli/tenantCommands.js";
import { gatewayTargetFromEnv } from "../lib/limits/gatewayTiers.js";
import { persistentStoreFromEnv } from "../lib/storage/client.js";

// `npm run admin -- <command>` (CONTRACT §1): the commands live in lib/cli; this only wires the process to them.

// Errors must be one line on stderr: keep the SDK's multi-line Node-version notice out of it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const endpoint = adminEndpoint(process.env);
if (endpoint) process.env.DYNAMODB_ENDPOINT = endpoint;
// Against a deployment (API_ID, API_STAGE, USAGE_PLAN_PREFIX from the stack outputs) tenant limits are also
// applied to the API's usage plans.
const target = gatewayTargetFromEnv();
let gateway: Gateway | undefined;
let deletionQueue: JobQueue | undefined;
let dispatchQueue: JobQueue | undefined;
const exitCode = await runAdmin(process.argv.slice(2), {
  store: persistentStoreFromEnv,
  gateway: () => {
    if (target) gateway ??= { client: new APIGatewayClient({}), target };
    return gateway;
  },
  deletionQueue: () => {
    const url = process.env.DELETION_QUEUE_URL;
    if (url) deletionQueue ??= { client: new SQSClient({}), url };
    return deletionQueue;
  },
  webhookDispatchQueue: () => {
    const url = process.env.WEBHOOK_DISPATCH_QUEUE_URL;
    if (url) dispatchQueue ??= { client: new SQSClient({}), url };
    return dispatchQueue;
  },
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY ? stderrProgressBar : undefined,
});
persistentStoreFromEnv().doc.destroy();
gateway?.client.destroy();
deletionQueue?.client.destroy();
dispatchQueue?.client.destroy();
process.exitCode = exitCode;
