import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { persistentStoreFromEnv } from "../lib/storage/client.js";
import { runDeletionJob, UnknownDeletionError } from "../lib/tenants/deletion.js";
import { logger } from "./shared/logger.js";

/**
 * Environment deletion jobs (lib/tenants/deletion.ts), queued by `environment delete`: one SQS message
 * `{"job": "delete_environment", "environment_id"}`. The job runs until a minute before the Lambda's timeout, saving
 * its cursors after every page; if it is not done it queues its own continuation, so a tenant of any size is
 * deleted in as many runs as it takes. A failing run is retried by SQS from the saved cursors, then dead-lettered.
 */

let sqs: SQSClient | undefined;
const SAFETY_MS = 60_000;

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const store = persistentStoreFromEnv();
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    let environmentId: unknown;
    try {
      const body = JSON.parse(record.body) as { job?: unknown; environment_id?: unknown };
      environmentId = body.environment_id;
      if (body.job !== "delete_environment" || typeof environmentId !== "string" || environmentId === "") {
        throw new Error("not a delete_environment job");
      }
      const result = await runDeletionJob(store, environmentId, {
        deadline: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
      });
      logger.info("environment deletion progress", { environment_id: environmentId, ...result });
      if (!result.done) {
        const queueUrl = process.env.DELETION_QUEUE_URL;
        if (!queueUrl) throw new Error("DELETION_QUEUE_URL is not set");
        sqs ??= new SQSClient({});
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: record.body }));
      }
    } catch (error) {
      if (error instanceof UnknownDeletionError) {
        // Finished by an earlier delivery of the same job: nothing is left to do.
        logger.info("deletion already finished", { environment_id: environmentId });
        continue;
      }
      logger.error("environment deletion failed", { environment_id: environmentId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
