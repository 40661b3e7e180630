import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { persistentStoreFromEnv } from "../lib/storage/client.js";
import { ErasureNotReadyError, runErasureJob } from "../lib/tenants/erasureJob.js";
import { logger } from "./shared/logger.js";

/**
 * Erasure jobs (lib/tenants/erasureJob.ts), queued by the ingestion of `user.erased`: one SQS message
 * `{"job": "erase_user", environment_id, user_id}`. The job runs until a minute before the Lambda's timeout, saving
 * its cursor after every page; if it is not done (out of time, or waiting for a snapshot newer than the erasure) it
 * queues its own continuation, delayed by the wait (≤ 15 minutes, SQS's most). A failing run, or a user not erased
 * yet (its batch still pending), is retried by SQS, then dead-lettered. A job delivered twice ends the same.
 */

let sqs: SQSClient | undefined;
const SAFETY_MS = 60_000;
const MAX_DELAY_SECONDS = 900;

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const store = persistentStoreFromEnv();
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    let job: { job?: unknown; environment_id?: unknown; user_id?: unknown } = {};
    try {
      job = JSON.parse(record.body) as typeof job;
      const { environment_id, user_id } = job;
      if (job.job !== "erase_user" || typeof environment_id !== "string" || typeof user_id !== "string") {
        throw new Error("not an erase_user job");
      }
      const result = await runErasureJob(store, environment_id, user_id, {
        deadline: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
      });
      logger.info("erasure progress", { environment_id, user_id, ...result });
      if (!result.done) {
        const queueUrl = process.env.ERASURE_QUEUE_URL;
        if (!queueUrl) throw new Error("ERASURE_QUEUE_URL is not set");
        sqs ??= new SQSClient({});
        const DelaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil((result.waitMs ?? 0) / 1000));
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: record.body, DelaySeconds }));
      }
    } catch (error) {
      const context = { environment_id: job.environment_id, user_id: job.user_id, error: error as Error };
      if (error instanceof ErasureNotReadyError) logger.warn("erasure waits for its batch", context);
      else logger.error("erasure failed", context);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
