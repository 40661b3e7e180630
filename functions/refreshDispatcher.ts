import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { listEnvironmentIds } from "../lib/reports/refresh.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { logger } from "./shared/logger.js";

/**
 * The scheduled start of the report refresh (CONTRACT §7): EventBridge invokes this; it queues one refresh job per
 * environment on REFRESH_QUEUE_URL, where the queue's retries and dead-letter queue take over.
 */

let sqs: SQSClient | undefined;
const SQS_BATCH = 10;

export async function dispatchRefreshJobs(
  client: SQSClient,
  queueUrl: string,
  environmentIds: string[],
): Promise<number> {
  for (let i = 0; i < environmentIds.length; i += SQS_BATCH) {
    const batch = environmentIds.slice(i, i + SQS_BATCH);
    let entries = batch.map((environment_id, j) => ({
      Id: String(j),
      MessageBody: JSON.stringify({ environment_id }),
    }));
    // Entries SQS failed to take are sent once more; still failing, the dispatch fails (EventBridge retries).
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt >= 3) throw new Error(`SendMessageBatch: ${entries.length} refresh jobs not queued`);
      const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      const failed = new Set((sent.Failed ?? []).map((f) => f.Id));
      entries = entries.filter((e) => failed.has(e.Id));
    }
  }
  return environmentIds.length;
}

export const handler = async (): Promise<{ queued: number }> => {
  const queueUrl = process.env.REFRESH_QUEUE_URL;
  if (!queueUrl) throw new Error("REFRESH_QUEUE_URL is not set");
  sqs ??= new SQSClient({});
  const environmentIds = await listEnvironmentIds(storeFromEnv());
  const queued = await dispatchRefreshJobs(sqs, queueUrl, environmentIds);
  logger.info("refresh jobs queued", { queued });
  return { queued };
};
