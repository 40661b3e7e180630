import { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { persistentStoreFromEnv } from "../lib/storage/client.js";
import { type DispatchJob, dispatchDeliveries } from "../lib/webhooks/dispatch.js";
import { logger } from "./shared/logger.js";
import { sendMessages } from "./shared/sendMessages.js";

/**
 * The webhook dispatch (CONTRACT §12, lib/webhooks/dispatch.ts): one SQS message per switched snapshot, queued by
 * the refresh worker; diffs the two snapshots for every subscribed report × interval and queues one delivery per
 * ≤ 100 entered rows on WEBHOOK_DELIVERY_QUEUE_URL. A redelivery queues the same deliveries (same ids). A failure
 * is retried by SQS and finally dead-lettered (alarmed); the refresh never waits for any of it.
 */

let sqs: SQSClient | undefined;

function dispatchJob(body: unknown): DispatchJob {
  const job = body as Partial<DispatchJob>;
  if (typeof job?.environment_id !== "string" || typeof job.report_id !== "string")
    throw new Error("malformed webhook dispatch message");
  return {
    environment_id: job.environment_id,
    report_id: job.report_id,
    ...(typeof job.previous_report_id === "string" ? { previous_report_id: job.previous_report_id } : {}),
  };
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const queueUrl = process.env.WEBHOOK_DELIVERY_QUEUE_URL;
  if (!queueUrl) throw new Error("WEBHOOK_DELIVERY_QUEUE_URL is not set");
  sqs ??= new SQSClient({});
  const client = sqs;
  const store = persistentStoreFromEnv();
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      const job = dispatchJob(JSON.parse(record.body));
      const queued = await dispatchDeliveries(store, job, (deliveries) => sendMessages(client, queueUrl, deliveries));
      logger.info("webhook deliveries queued", { ...job, queued });
    } catch (error) {
      logger.error("webhook dispatch failed", { message_id: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
