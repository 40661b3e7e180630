import type { Store } from "../../lib/storage/client.js";
import {
  attemptDelivery,
  type DeliveryOutcome,
  MAX_DELIVERY_ATTEMPTS,
  retryDelaySeconds,
} from "../../lib/webhooks/deliver.js";
import { type DeliveryJob, type DispatchJob, dispatchDeliveries } from "../../lib/webhooks/dispatch.js";
import type { SecretBox } from "../../lib/webhooks/secretBox.js";

/**
 * The local stand-in for the webhook queues and workers (infra/webhooks.ts, functions/webhookDispatcher.ts,
 * functions/webhookDelivery.ts): `npm start` queues a dispatch job when its refresh switches the snapshot, and a
 * loop calls `tick()` every second. The dispatch and each attempt are the same lib code the Lambdas run; only the
 * queue is in memory (lost on restart, like anything `npm start` holds): a failed attempt is tried again after
 * the same backoff (retryDelaySeconds, scaled by `retryDelayMs` in tests), and after MAX_DELIVERY_ATTEMPTS it is
 * kept in `deadLetters`. Attempts run concurrently and `tick()` never waits for one: a receiver that never answers
 * holds only its own delivery (until its deadline), never the refresh or another receiver.
 */

export interface LocalWebhookQueueOptions {
  /** Milliseconds before the next try after failed attempt `attempt` (default: the stack's schedule). */
  retryDelayMs?: (attempt: number) => number | undefined;
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface Pending {
  job: DeliveryJob;
  attempt: number;
  notBefore: number;
}

export class LocalWebhookQueue {
  private readonly dispatches: DispatchJob[] = [];
  private readonly pending: Pending[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private dispatching: Promise<void> | undefined;
  readonly deadLetters: { job: DeliveryJob; attempts: number; last: DeliveryOutcome }[] = [];

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly options: LocalWebhookQueueOptions = {},
  ) {}

  /** What the refresh does when it switches a snapshot: queue, never wait. */
  enqueueDispatch(job: DispatchJob | undefined): void {
    if (job) this.dispatches.push(job);
  }

  /** Starts the dispatches queued and every delivery that is due; resolves without waiting for the deliveries. */
  tick(now = Date.now()): void {
    if (!this.dispatching && this.dispatches.length > 0) {
      const job = this.dispatches.shift() as DispatchJob;
      this.dispatching = dispatchDeliveries(this.store, job, async (deliveries) => {
        for (const d of deliveries) this.pending.push({ job: d, attempt: 1, notBefore: 0 });
      })
        .then((n) => (n > 0 ? this.options.log?.(`Webhooks: ${n} deliveries queued for ${job.report_id}`) : undefined))
        .catch((error: Error) => {
          this.options.log?.(`Webhook dispatch failed (retried): ${error.message}`);
          this.dispatches.push(job);
        })
        .finally(() => {
          this.dispatching = undefined;
        });
    }
    for (const entry of this.pending.filter((p) => p.notBefore <= now)) {
      this.pending.splice(this.pending.indexOf(entry), 1);
      const run: Promise<void> = this.attempt(entry).finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
  }

  /** Waits for the dispatch and the attempts running now (tests). */
  async settled(): Promise<void> {
    while (this.dispatching || this.inFlight.size > 0) {
      await this.dispatching;
      await Promise.all([...this.inFlight]);
    }
  }

  get waiting(): number {
    return this.pending.length + this.dispatches.length;
  }

  private async attempt(entry: Pending): Promise<void> {
    const result = await attemptDelivery(this.store, this.box, entry.job, {
      allowLoopback: true,
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
    }).catch((error: Error): DeliveryOutcome => ({ outcome: "failed", error: error.message }));
    if (result.outcome !== "failed") return;
    const delayMs = (this.options.retryDelayMs ?? ((n) => (retryDelaySeconds(n) ?? 0) * 1000))(entry.attempt);
    if (entry.attempt >= MAX_DELIVERY_ATTEMPTS || delayMs === undefined) {
      this.deadLetters.push({ job: entry.job, attempts: entry.attempt, last: result });
      this.options.log?.(`Webhook delivery ${entry.job.delivery_id} dead-lettered after ${entry.attempt} attempts`);
      return;
    }
    this.pending.push({ job: entry.job, attempt: entry.attempt + 1, notBefore: Date.now() + delayMs });
  }
}
