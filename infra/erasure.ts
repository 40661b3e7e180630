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

export interface ErasureProps {
  tables: Tables;
  runtime: Runtime;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * What the erasure worker may do, table by table (lib/tenants/erasureJob.ts): read the user, the snapshot pointer
 * and its job and keep the job's progress (entities); find the invites naming an email by key, null their email,
 * delete their index items (activity); read snapshot chunks and put back the ones it erased rows from (reports).
 * No Scan: the job finds everything by key.
 */
export const ERASURE_ACTIONS = {
  entities: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
  activity: ["dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
  reports: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"],
} as const;

/**
 * Erasure jobs (`user.erased`, lib/tenants/erasureJob.ts) on the refresh's machinery: an SQS queue with the same
 * retries, visibility timeout and dead-letter queue (alarmed in monitoring.ts), and a worker Lambda fed one job at a
 * time that queues its own continuation, delayed while it waits for a newer snapshot. The ingestion Lambda may send
 * to the queue (granted by the stack); its own queue and worker keep the rights apart from the refresh's.
 */
export class Erasure extends Construct {
  readonly worker: ServiceFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ErasureProps) {
    super(scope, id);
    const { tables } = props;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = jobQueues(this, {
      visibilityTimeout: JOB_VISIBILITY_TIMEOUT,
      retentionPeriod: Duration.days(14),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }));
    this.worker = new ServiceFunction(this, "Worker", {
      name: "erasureWorker",
      tables,
      runtime: props.runtime,
      timeout: WORKER_TIMEOUT,
      memorySize: 512,
      description: "Erases a person from invites and report snapshots (resumable)",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { ERASURE_QUEUE_URL: this.queue.queueUrl },
    });
    tables.entities.grants.actions(this.worker, ...ERASURE_ACTIONS.entities);
    tables.activity.grants.actions(this.worker, ...ERASURE_ACTIONS.activity);
    tables.reports.grants.actions(this.worker, ...ERASURE_ACTIONS.reports);
    // Its own continuation: a job not finished within one run (or waiting for a newer snapshot) queues the rest.
    this.queue.grantSendMessages(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
  }
}
