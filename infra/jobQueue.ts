import { Duration } from "aws-cdk-lib";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/**
 * A job queue and its dead-letter queue, as the refresh and the tenant deletion use them: SQS-managed encryption,
 * TLS only, a message that fails `maxReceiveCount` times kept 14 days in the DLQ (where an alarm watches it).
 * Created as `Jobs` / `JobsDlq` under `scope`.
 */
export function jobQueues(
  scope: Construct,
  props: { visibilityTimeout: Duration; retentionPeriod: Duration; maxReceiveCount: number },
): { queue: Queue; deadLetterQueue: Queue } {
  const deadLetterQueue = new Queue(scope, "JobsDlq", {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new Queue(scope, "Jobs", {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retentionPeriod,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
