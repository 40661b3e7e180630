import { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { isIdRange } from "../lib/reports/activityShards.js";
import { isChurnShard } from "../lib/reports/churnShards.js";
import { PART_NAMES, type PartName } from "../lib/reports/refreshParts.js";
import { type PartJob, planRun, runPartJob } from "../lib/reports/refreshRun.js";
import { SupersededSnapshotError } from "../lib/reports/snapshot.js";
import { persistentStoreFromEnv, type Store } from "../lib/storage/client.js";
import { deletionStarted } from "../lib/tenants/deletion.js";
import { dispatchJobOf } from "../lib/webhooks/dispatch.js";
import { logger } from "./shared/logger.js";
import { sendMessages } from "./shared/sendMessages.js";

/**
 * The refresh worker (CONTRACT §7), two kinds of message on one queue:
 *  - `{environment_id}` (from the dispatcher): plans a run at the message's send time — the run id derives from the
 *    message id, so a redelivery is the same run — and queues one message per part;
 *  - `{environment_id, report_id, time, part, shard?, range?, slice?}`: computes that part (a churn part: one shard
 *    of the list; user activity: a tally of an id range or a slice of its rows), queues the rest a churn shard or
 *    tally hands on (and the rows parts once every tally is counted); the part completing the run switches the
 *    pointer (and queues the webhook dispatch of the switch on WEBHOOK_DISPATCH_QUEUE_URL: one message, nothing
 *    waits for receivers).
 * Failed records are reported back (partial batch response) so only they are retried and, in the end, dead-lettered.
 * A message for an environment whose deletion has started (lib/tenants/deletion.ts) is dropped with a log line.
 */

let sqs: SQSClient | undefined;
const sqsClient = () => {
  sqs ??= new SQSClient({});
  return sqs;
};

function queueUrl(): string {
  const url = process.env.REFRESH_QUEUE_URL;
  if (!url) throw new Error("REFRESH_QUEUE_URL is not set");
  return url;
}

function partJob(body: Record<string, unknown>): PartJob | undefined {
  if (body.part === undefined) return undefined;
  const { environment_id, report_id, time, part, shard, range, slice } = body;
  if (typeof report_id !== "string" || typeof time !== "number" || !PART_NAMES.includes(part as PartName))
    throw new Error("malformed part message");
  if (shard !== undefined && !isChurnShard(shard)) throw new Error("malformed part message");
  if (range !== undefined && !isIdRange(range)) throw new Error("malformed part message");
  if (slice !== undefined && !(Number.isInteger(slice) && (slice as number) >= 0))
    throw new Error("malformed part message");
  return {
    environment_id: environment_id as string,
    report_id,
    time,
    part: part as PartName,
    ...(shard ? { shard } : {}),
    ...(range ? { range } : {}),
    ...(slice === undefined ? {} : { slice: slice as number }),
  };
}

async function handle(record: SQSRecord): Promise<void> {
  const body = JSON.parse(record.body) as Record<string, unknown>;
  const environmentId = body.environment_id;
  if (typeof environmentId !== "string" || environmentId === "") throw new Error("message without environment_id");
  const store = persistentStoreFromEnv();
  const job = partJob(body);
  // Deleted (or being deleted) since it was queued: nothing to refresh, and nothing must be written behind the
  // deletion's scan. Ends quietly: no retry, no dead letter, no alarm.
  if (await deletionStarted(store, environmentId)) {
    logger.info("refresh skipped: environment deleted", { environment_id: environmentId, part: job?.part });
    return;
  }
  try {
    await refresh(store, record, environmentId, job);
  } catch (error) {
    // The deletion started while this job ran (its run item or environment is gone): the same quiet end.
    if (!(error instanceof SupersededSnapshotError) && (await deletionStarted(store, environmentId))) {
      logger.info("refresh stopped: environment deleted", { environment_id: environmentId, part: job?.part });
      return;
    }
    throw error;
  }
}

async function refresh(store: Store, record: SQSRecord, environmentId: string, job: PartJob | undefined) {
  if (job) {
    const outcome = await runPartJob(store, job);
    // A churn shard's rest (again, if this was a redelivery): a part like any other, counted once.
    if (outcome.next.length > 0) await sendMessages(sqsClient(), queueUrl(), outcome.next);
    // The snapshot switched: the webhook dispatch diffs it with the one it replaced, on its own queue (infra/webhooks.ts).
    // A failed send fails the part, whose redelivery switches again (same previous) and sends again.
    const dispatch = outcome.pointer && dispatchJobOf(job.environment_id, outcome.pointer);
    const dispatchQueue = process.env.WEBHOOK_DISPATCH_QUEUE_URL;
    if (dispatch && dispatchQueue) await sendMessages(sqsClient(), dispatchQueue, [dispatch]);
    logger.info("refresh part done", {
      ...job,
      // Not counted: done already, or by a concurrent delivery whose chunks the snapshot serves (this one's expire).
      counted: outcome.result !== undefined,
      attempt: outcome.attempt,
      switched: !!outcome.pointer,
      handed_on: outcome.next.map((n) => n.shard),
    });
    return;
  }
  const sent = Number(record.attributes?.SentTimestamp);
  const jobs = await planRun(
    store,
    environmentId,
    Number.isFinite(sent) && sent > 0 ? sent : Date.now(),
    {},
    record.messageId,
  );
  await sendMessages(sqsClient(), queueUrl(), jobs);
  logger.info("refresh planned", { environment_id: environmentId, parts: jobs.length, report_id: jobs[0]?.report_id });
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      await handle(record);
    } catch (error) {
      if (error instanceof SupersededSnapshotError) {
        // A later job already made a newer snapshot current: nothing is left to do for this one.
        logger.info("refresh superseded", { message_id: record.messageId, message: error.message });
        continue;
      }
      logger.error("refresh failed", { message_id: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
