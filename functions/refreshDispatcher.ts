import { SQSClient } from "@aws-sdk/client-sqs";
import { listEnvironmentIds } from "../lib/reports/refresh.js";
import { persistentStoreFromEnv } from "../lib/storage/client.js";
import { logger } from "./shared/logger.js";
import { sendMessages } from "./shared/sendMessages.js";

/**
 * The scheduled start of the report refresh (CONTRACT §7): EventBridge invokes this; it queues one refresh job per
 * environment on REFRESH_QUEUE_URL, where the worker plans it into parts (same queue), and the queue's retries and
 * dead-letter queue take over.
 */

let sqs: SQSClient | undefined;

export async function dispatchRefreshJobs(
  client: SQSClient,
  queueUrl: string,
  environmentIds: string[],
): Promise<number> {
  await sendMessages(
    client,
    queueUrl,
    environmentIds.map((environment_id) => ({ environment_id })),
  );
  return environmentIds.length;
}

export const handler = async (): Promise<{ queued: number }> => {
  const queueUrl = process.env.REFRESH_QUEUE_URL;
  if (!queueUrl) throw new Error("REFRESH_QUEUE_URL is not set");
  sqs ??= new SQSClient({});
  const environmentIds = await listEnvironmentIds(persistentStoreFromEnv());
  const queued = await dispatchRefreshJobs(sqs, queueUrl, environmentIds);
  logger.info("refresh jobs queued", { queued });
  return { queued };
};
