import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type { Runtime } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ServiceFunction } from "./functions.js";
import { jobQueues } from "./jobQueue.js";
import { JOB_VISIBILITY_TIMEOUT, MAX_RECEIVE_COUNT, WORKER_TIMEOUT } from "./refresh.js";
import type { Tables } from "./tables.js";

export interface DeletionProps {
  tables: Tables;
  runtime: Runtime;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The only DynamoDB actions the deletion worker needs: find the environment's items, delete them, keep its job. */
export const DELETION_ACTIONS = ["dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"];
const JOB_ITEM_ACTIONS = ["dynamodb:GetItem", "dynamodb:UpdateItem"];

/**
 * Environment deletion jobs (`environment delete`, lib/tenants/deletion.ts) on the refresh's machinery: an SQS
 * queue with the same retries, visibility timeout and dead-letter queue, and a worker Lambda fed one job at a time.
 * Its own queue and worker keep the rights apart: this worker is the only principal that may Scan or delete
 * across the tables, and the refresh worker keeps its read-only access to activity.
 */
export class Deletion extends Construct {
  readonly worker: ServiceFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: DeletionProps) {
    super(scope, id);
    const { tables } = props;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = jobQueues(this, {
      visibilityTimeout: JOB_VISIBILITY_TIMEOUT,
      // A deletion must not silently expire: its job waits up to 15 minutes before it starts, then continues itself.
      retentionPeriod: Duration.days(14),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }));
    this.worker = new ServiceFunction(this, "Worker", {
      name: "deletionWorker",
      tables,
      runtime: props.runtime,
      timeout: WORKER_TIMEOUT,
      memorySize: 512,
      description: "Removes every item of a deleted environment (resumable)",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { DELETION_QUEUE_URL: this.queue.queueUrl },
    });
    tables.entities.grants.actions(this.worker, ...DELETION_ACTIONS, ...JOB_ITEM_ACTIONS);
    tables.activity.grants.actions(this.worker, ...DELETION_ACTIONS);
    tables.reports.grants.actions(this.worker, ...DELETION_ACTIONS);
    // Its own continuation: a job not finished within one run queues the rest.
    this.queue.grantSendMessages(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
  }
}
