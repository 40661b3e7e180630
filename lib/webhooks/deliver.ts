import { Webhook } from "standardwebhooks";
import type { Store } from "../storage/client.js";
import type { DeliveryJob } from "./dispatch.js";
import { postToReceiver } from "./receiverRequest.js";
import type { SecretBox } from "./secretBox.js";
import { getWebhook, secretContext } from "./subscriptions.js";

/**
 * One attempt at one delivery (CONTRACT §12), the same in the stack's delivery worker (functions/webhookDelivery.ts)
 * and the local loop (scripts/lib/webhookLoop.ts): the webhook is read (removed since: the delivery is dropped),
 * its secret opened, the payload signed per the Standard Webhooks spec — `webhook-id` the delivery's own id, stable
 * across attempts; `webhook-timestamp` this attempt's instant, so receivers' replay windows hold on a late retry —
 * and POSTed with a deadline. Any non-2xx, network error or timeout is a failure the queue retries on the schedule
 * below; the caller maps it to its queue (SQS visibility, or the local queue's next try).
 */

/**
 * Delay before the next attempt, after attempt n fails (index n − 1): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
 * (the Standard Webhooks spec's example schedule, its last step repeated). Attempt 8 starts 27.6 h after the first,
 * so failures are retried for over 24 h; after it fails the message goes to the dead-letter queue.
 */
export const RETRY_DELAYS_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
/** Attempts before dead-lettering: the queue's maxReceiveCount. */
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** One request's deadline: a receiver that never answers holds only its own delivery, this long. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** Seconds to wait after failed attempt `attempt` (1-based), or undefined after the last. */
export function retryDelaySeconds(attempt: number): number | undefined {
  return attempt >= 1 && attempt <= RETRY_DELAYS_SECONDS.length ? RETRY_DELAYS_SECONDS[attempt - 1] : undefined;
}

export type DeliveryOutcome =
  | { outcome: "delivered"; status: number }
  | { outcome: "failed"; status?: number; error?: string }
  | { outcome: "dropped"; reason: string };

export interface DeliveryOptions {
  allowLoopback: boolean;
  timeoutMs?: number;
  nowMs?: number;
}

/** Headers of a signed delivery (Standard Webhooks). */
export function signedHeaders(secret: string, job: Pick<DeliveryJob, "delivery_id" | "payload">, at: Date) {
  const signature = new Webhook(secret).sign(job.delivery_id, at, job.payload);
  return {
    "content-type": "application/json",
    "user-agent": "engagement-insights-webhooks",
    "webhook-id": job.delivery_id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

export async function attemptDelivery(
  store: Store,
  box: SecretBox,
  job: DeliveryJob,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const webhook = await getWebhook(store, job.environment_id, job.webhook_id);
  if (!webhook) return { outcome: "dropped", reason: "webhook removed" };
  const secret = await box.open(webhook.secret_sealed, secretContext(job.environment_id, job.webhook_id));
  const headers = signedHeaders(secret, job, new Date(options.nowMs ?? Date.now()));
  try {
    const status = await postToReceiver(webhook.url, headers, job.payload, {
      allowLoopback: options.allowLoopback,
      timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    });
    return status >= 200 && status < 300 ? { outcome: "delivered", status } : { outcome: "failed", status };
  } catch (error) {
    return { outcome: "failed", error: error instanceof Error ? error.message : String(error) };
  }
}
