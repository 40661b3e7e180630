import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { Runtime } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ServiceFunction } from "./functions.js";
import { grantRead, grantReadWrite, grantWrite, type Tables } from "./tables.js";

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
export const WORKER_TIMEOUT = Duration.minutes(5);
/** Longer than a whole worker run, so a job still running is never handed to a second worker. */
export const JOB_VISIBILITY_TIMEOUT = Duration.minutes(30);

/**
 * The report refresh (CONTRACT §7): an EventBridge schedule starts the dispatcher, which queues one job per
 * environment; the worker recomputes that environment's snapshots. SQS gives each job retries and a DLQ, and
 * `reportBatchItemFailures` retries only the jobs that failed.
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

    this.deadLetterQueue = new Queue(this, "JobsDlq", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, "Jobs", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: JOB_VISIBILITY_TIMEOUT,
      // A job older than a day is superseded by the next scheduled run anyway.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

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
      memorySize: 1024,
      description: "Recomputes one environment's report snapshots",
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // Reads users, orgs and activity; writes snapshot rows, then switches the REPORT#current pointer in entities.
    grantReadWrite(tables.entities, this.worker);
    grantRead(tables.activity, this.worker);
    grantWrite(tables.reports, this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        // One environment per invocation: a job is heavy, and a failure retries only that environment.
        batchSize: 1,
        reportBatchItemFailures: true,
        // Bounds the load refreshes put on the tables however many environments there are.
        maxConcurrency: 5,
      }),
    );

    this.rule = new Rule(this, "Schedule", {
      description: `Starts a report refresh every ${props.refreshRate} minutes`,
      schedule: Schedule.rate(Duration.minutes(props.refreshRate)),
      targets: [new LambdaFunction(this.dispatcher, { retryAttempts: 2 })],
    });
  }
}
