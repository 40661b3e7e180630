import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { Runtime } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ServiceFunction } from "./functions.js";
import { jobQueues } from "./jobQueue.js";
import { grantRead, grantReadWrite, type Tables } from "./tables.js";

export interface RefreshProps {
  tables: Tables;
  runtime: Runtime;
  /** Minutes between refreshes. */
  refreshRate: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** A job that fails this many times goes to the dead-letter queue (and raises its alarm). */
export const MAX_RECEIVE_COUNT = 3;
/**
 * A part's budget (lib/reports/refreshParts.ts), from `npm run bench -- --users 1000,10000,100000 --seed-above 5000`
 * (bench/results.json, each worker a process with a 512 MB Lambda's 256 MB heap): the largest worker's peak RSS was
 * 105 / 128 / 145 MiB at 1k / 10k / 100k users; along the 10k→100k slope the unsharded parts reach ≈ 330–450 MiB
 * at 1M users, and churn shards stay ≈ 140–170 MiB whatever the size (a shard computes ≤ 25,000 user or 10,000 org
 * rows). The slowest worker took 12 s at 100k on DynamoDB Local, and user activity extrapolates to ≈ 92 s at 1M:
 * 3 minutes leaves twice that.
 */
export const WORKER_TIMEOUT = Duration.minutes(3);
export const WORKER_MEMORY_MB = 512;
/** Longer than a whole worker run, so a job still running is never handed to a second worker. */
export const JOB_VISIBILITY_TIMEOUT = Duration.minutes(30);

/**
 * The report refresh (CONTRACT §7): an EventBridge schedule starts the dispatcher, which queues one job per
 * environment; the worker plans each into parts queued on the same queue, and computes one part per message (the
 * part completing the run's counter switches the snapshot). SQS gives each message retries and a DLQ, and
 * `reportBatchItemFailures` retries only the messages that failed.
 */
export class Refresh extends Construct {
  readonly dispatcher: ServiceFunction;
  readonly worker: ServiceFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RefreshProps) {
    super(scope, id);
    const { tables } = props;

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = jobQueues(this, {
      visibilityTimeout: JOB_VISIBILITY_TIMEOUT,
      // A job older than a day is superseded by the next scheduled run anyway.
      retentionPeriod: Duration.days(1),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }));

    this.dispatcher = new ServiceFunction(this, "Dispatcher", {
      name: "refreshDispatcher",
      tables,
      runtime: props.runtime,
      timeout: Duration.minutes(1),
      memorySize: 256,
      description: "Queues one report-refresh job per environment",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { REFRESH_QUEUE_URL: this.queue.queueUrl },
    });
    grantRead(tables.entities, this.dispatcher);
    this.queue.grantSendMessages(this.dispatcher);

    this.worker = new ServiceFunction(this, "Worker", {
      name: "refreshWorker",
      tables,
      runtime: props.runtime,
      timeout: WORKER_TIMEOUT,
      memorySize: WORKER_MEMORY_MB,
      description: "Plans an environment's report refresh into parts and computes one part per message",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { REFRESH_QUEUE_URL: this.queue.queueUrl },
    });
    // Reads users, orgs and activity; writes rank chunks and run counters, then switches the REPORT#current pointer.
    grantReadWrite(tables.entities, this.worker);
    grantRead(tables.activity, this.worker);
    grantReadWrite(tables.reports, this.worker);
    // A planned run's parts go back on the same queue (fan-out without a scheduler of our own).
    this.queue.grantSendMessages(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        // One message per invocation: a part is heavy, and a failure retries only that part.
        batchSize: 1,
        reportBatchItemFailures: true,
        // Bounds the load refreshes put on the tables however many environments there are; 20 so that a 10M-user
        // tenant's sharded parts finish in ≈ 10 minutes (issue 20 item 6: ≤ 15; 5 took ≈ 39 by the bench's
        // extrapolation, scripts/bench/extrapolate.ts).
        maxConcurrency: 20,
      }),
    );

    this.rule = new Rule(this, "Schedule", {
      description: `Starts a report refresh every ${props.refreshRate} minutes`,
      schedule: Schedule.rate(Duration.minutes(props.refreshRate)),
      targets: [new LambdaFunction(this.dispatcher, { retryAttempts: 2 })],
    });
  }
}
