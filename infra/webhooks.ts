import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import { Key } from "aws-cdk-lib/aws-kms";
import type { Runtime } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_SECONDS } from "../lib/webhooks/deliver.js";
import { ServiceFunction } from "./functions.js";
import { jobQueues } from "./jobQueue.js";
import type { Tables } from "./tables.js";

export interface WebhooksProps {
  tables: Tables;
  runtime: Runtime;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** What the dispatch reads: an environment's webhooks (entities, Query), both snapshots' runs and rank chunks. */
export const WEBHOOK_DISPATCH_ACTIONS = {
  entities: ["dynamodb:Query"],
  reports: ["dynamodb:GetItem", "dynamodb:BatchGetItem"],
} as const;
/** What a delivery reads: its webhook (url, sealed secret). */
export const WEBHOOK_DELIVERY_ACTIONS = { entities: ["dynamodb:GetItem"] } as const;

/** A batch of ≤ 10 deliveries runs at once, each ≤ 10 s (DELIVERY_TIMEOUT_MS), plus the reads and KMS: 30 s. */
export const DELIVERY_FUNCTION_TIMEOUT = Duration.seconds(30);
/** Total backoff before the last attempt (27.6 h ≥ the 24 h §12 asks); the queue keeps messages longer. */
export const DELIVERY_RETRY_SPAN_SECONDS = RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0);

/**
 * Signed webhooks (CONTRACT §12): two queues, each with its dead-letter queue (alarmed in monitoring.ts).
 *  - dispatch: one message per switched snapshot (sent by the refresh worker), handled by the dispatcher, which
 *    diffs the two snapshots and queues the deliveries; retried 3 times like the refresh's jobs.
 *  - delivery: one message per ≤ 100 rows for one webhook; the delivery worker signs and POSTs it and, on failure,
 *    sets the message's visibility to the backoff of its attempt (5 s … 10 h, lib/webhooks/deliver.ts), so SQS's
 *    receive count is the attempt number and maxReceiveCount = MAX_DELIVERY_ATTEMPTS (8) covers 27.6 h ≥ 24 h of
 *    retries; the queue keeps a message 4 days, past that span.
 * Secrets: a KMS key (rotation on) seals them; the admin CLI encrypts with the operator's credentials, the delivery
 * worker alone may decrypt. KMS over Secrets Manager / SSM: one key for every webhook, no per-secret resource or
 * rotation Lambda, and the grant names one action on one key. Neither function runs in a VPC: receivers are on the
 * internet, and the delivery refuses private addresses itself (lib/webhooks/receiverRequest.ts).
 */
export class Webhooks extends Construct {
  readonly secretsKey: Key;
  readonly dispatchQueue: Queue;
  readonly dispatchDeadLetterQueue: Queue;
  readonly deliveryQueue: Queue;
  readonly deliveryDeadLetterQueue: Queue;
  readonly dispatcher: ServiceFunction;
  readonly delivery: ServiceFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { tables } = props;
    this.secretsKey = new Key(this, "SecretsKey", {
      description: "Seals webhook signing secrets (CONTRACT §12): the admin CLI encrypts, the delivery worker decrypts",
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });

    ({ queue: this.dispatchQueue, deadLetterQueue: this.dispatchDeadLetterQueue } = jobQueues(
      new Construct(this, "DispatchQueues"),
      { visibilityTimeout: Duration.minutes(30), retentionPeriod: Duration.days(4), maxReceiveCount: 3 },
    ));
    ({ queue: this.deliveryQueue, deadLetterQueue: this.deliveryDeadLetterQueue } = jobQueues(
      new Construct(this, "DeliveryQueues"),
      {
        visibilityTimeout: Duration.minutes(2),
        retentionPeriod: Duration.days(4),
        maxReceiveCount: MAX_DELIVERY_ATTEMPTS,
      },
    ));

    this.dispatcher = new ServiceFunction(this, "Dispatcher", {
      name: "webhookDispatcher",
      tables,
      runtime: props.runtime,
      timeout: Duration.minutes(5),
      memorySize: 512,
      description: "Diffs a switched snapshot with the previous one and queues the webhook deliveries",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { WEBHOOK_DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl },
    });
    tables.entities.grants.actions(this.dispatcher, ...WEBHOOK_DISPATCH_ACTIONS.entities);
    tables.reports.grants.actions(this.dispatcher, ...WEBHOOK_DISPATCH_ACTIONS.reports);
    this.deliveryQueue.grantSendMessages(this.dispatcher);
    this.dispatcher.addEventSource(
      new SqsEventSource(this.dispatchQueue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );

    this.delivery = new ServiceFunction(this, "Delivery", {
      name: "webhookDelivery",
      tables,
      runtime: props.runtime,
      timeout: DELIVERY_FUNCTION_TIMEOUT,
      memorySize: 256,
      description: "Signs and POSTs webhook deliveries; failures retried with backoff for 24 h, then dead-lettered",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        WEBHOOK_DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl,
        WEBHOOK_KMS_KEY_ID: this.secretsKey.keyArn,
      },
    });
    tables.entities.grants.actions(this.delivery, ...WEBHOOK_DELIVERY_ACTIONS.entities);
    this.secretsKey.grantDecrypt(this.delivery);
    // Consuming grants ChangeMessageVisibility, which the backoff uses.
    this.delivery.addEventSource(
      new SqsEventSource(this.deliveryQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 10 }),
    );
  }
}
