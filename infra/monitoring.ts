import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { Alarm, ComparisonOperator, type IMetric, Stats, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Operation, type Table } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface MonitoringProps {
  /** Alarm names start with it, e.g. `engagement-insights-prod`. */
  namePrefix: string;
  api: RestApi;
  functions: Record<string, IFunction>;
  deadLetterQueue: IQueue;
  /** The environment-deletion jobs' dead-letter queue (infra/deletion.ts). */
  deletionDeadLetterQueue: IQueue;
  /** Erasure jobs that failed every attempt (infra/erasure.ts). */
  erasureDeadLetterQueue?: IQueue;
  /** Webhook dispatches and deliveries that failed every attempt (infra/webhooks.ts). */
  webhookDeadLetterQueues?: { dispatch: IQueue; delivery: IQueue };
  tables: Record<string, Table>;
  alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/** The DynamoDB operations the service issues (≤ 10, the metric limit of one alarm's math expression). */
const OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
  Operation.TRANSACT_GET_ITEMS,
];

/**
 * Alarms on what needs an operator, all notifying one SNS topic (subscribe to it, or pass `-c alarmEmail=...`):
 * API 5XX answers, each Lambda's errors and throttles, a refresh, deletion or erasure job in its dead-letter queue, DynamoDB throttling
 * and system errors per table, and DynamoDB user errors (an account-level metric: it has no table dimension).
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, "AlarmTopic", {
      displayName: `${props.namePrefix} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, name, {
        alarmName: `${props.namePrefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };

    alarm(
      "api-5xx",
      props.api.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
      5,
      "The API answered 5XX at least 5 times in 5 minutes (handler 500/503, Lambda failures or timeouts)",
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}-errors`,
        fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        1,
        `Lambda ${name} failed (uncaught error or timeout)`,
      );
      alarm(
        `${name}-throttles`,
        fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
        1,
        `Lambda ${name} was throttled (account or reserved concurrency exhausted)`,
      );
    }

    alarm(
      "refresh-dlq",
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
      1,
      "A report-refresh job failed every attempt and is in the dead-letter queue: that environment's reports are stale",
    );

    alarm(
      "deletion-dlq",
      props.deletionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: Stats.MAXIMUM,
      }),
      1,
      "An environment-deletion job failed every attempt and is in its dead-letter queue: that tenant's data is not " +
        "all removed (`npm run admin -- environment delete-status`; run `environment delete` again to resume it)",
    );
    if (props.erasureDeadLetterQueue) {
      alarm(
        "erasure-dlq",
        props.erasureDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
        1,
        "An erasure job failed every attempt and is in the dead-letter queue: a person's data may still be in " +
          "invites or the report snapshot (re-run `npm run admin -- user erase`)",
      );
    }

    if (props.webhookDeadLetterQueues) {
      const { dispatch, delivery } = props.webhookDeadLetterQueues;
      alarm(
        "webhook-dispatch-dlq",
        dispatch.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
        1,
        "A webhook dispatch failed every attempt: the rows that entered that snapshot's reports were not delivered",
      );
      alarm(
        "webhook-delivery-dlq",
        delivery.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
        1,
        "A webhook delivery failed for 24 h (its receiver answered non-2xx, timed out, or its address was refused) " +
          "and is in the dead-letter queue",
      );
    }

    for (const [name, table] of Object.entries(props.tables)) {
      alarm(
        `${name}-table-throttles`,
        table.metricThrottledRequestsForOperations({ operations: OPERATIONS, period: PERIOD }),
        10,
        `DynamoDB table ${name} throttled at least 10 requests in 5 minutes`,
      );
      alarm(
        `${name}-table-system-errors`,
        table.metricSystemErrorsForOperations({ operations: OPERATIONS, period: PERIOD }),
        1,
        `DynamoDB table ${name} returned system errors (HTTP 500)`,
      );
    }
    const [anyTable] = Object.values(props.tables);
    if (anyTable) {
      alarm(
        "dynamodb-user-errors",
        anyTable.metricUserErrors({ period: PERIOD, statistic: Stats.SUM }),
        1,
        "DynamoDB rejected requests as invalid (HTTP 400) in this account and region: a bug in a request",
      );
    }
  }
}
