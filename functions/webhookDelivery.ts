import { ChangeMessageVisibilityCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { persistentStoreFromEnv } from "../lib/storage/client.js";
import { attemptDelivery, retryDelaySeconds } from "../lib/webhooks/deliver.js";
import type { DeliveryJob } from "../lib/webhooks/dispatch.js";
import { secretBoxFromEnv } from "../lib/webhooks/kmsSecretBox.js";
import type { SecretBox } from "../lib/webhooks/secretBox.js";
import { logger } from "./shared/logger.js";

/**
 * Webhook deliveries (CONTRACT §12, lib/webhooks/deliver.ts): one SQS message per delivery. A batch's deliveries
 * are attempted at once, each with its own deadline, so a slow receiver delays no other receiver's delivery. A
 * failed one is reported back (partial batch response) after its visibility is set to the backoff of its attempt
 * (`ApproximateReceiveCount`): SQS hands it back then, with the same body, so the same `webhook-id`. After
 * MAX_DELIVERY_ATTEMPTS receives (the queue's maxReceiveCount) SQS moves it to the dead-letter queue (alarmed).
 * Connections go only to public addresses over https (receiverRequest.ts).
 */

let sqs: SQSClient | undefined;
let box: SecretBox | undefined;

async function deliver(record: SQSRecord, queueUrl: string): Promise<boolean> {
  const job = JSON.parse(record.body) as DeliveryJob;
  const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  box ??= secretBoxFromEnv();
  const result = await attemptDelivery(persistentStoreFromEnv(), box, job, { allowLoopback: false });
  const context = {
    environment_id: job.environment_id,
    webhook_id: job.webhook_id,
    delivery_id: job.delivery_id,
    attempt,
  };
  if (result.outcome !== "failed") {
    logger.info(`webhook ${result.outcome}`, { ...context, ...result });
    return true;
  }
  // The next try after this attempt's backoff; after the last, at once (SQS then dead-letters it).
  const delay = retryDelaySeconds(attempt) ?? 0;
  sqs ??= new SQSClient({});
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: delay,
    }),
  );
  logger.warn("webhook delivery failed", { ...context, ...result, retry_in_seconds: delay });
  return false;
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const queueUrl = process.env.WEBHOOK_DELIVERY_QUEUE_URL;
  if (!queueUrl) throw new Error("WEBHOOK_DELIVERY_QUEUE_URL is not set");
  const results = await Promise.allSettled(event.Records.map((record) => deliver(record, queueUrl)));
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  results.forEach((result, i) => {
    const record = event.Records[i] as SQSRecord;
    if (result.status === "fulfilled" && result.value) return;
    if (result.status === "rejected")
      logger.error("webhook delivery error", { message_id: record.messageId, error: result.reason as Error });
    batchItemFailures.push({ itemIdentifier: record.messageId });
  });
  return { batchItemFailures };
};
