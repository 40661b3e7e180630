import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { requireEnvironment } from "../auth/credentials.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { PART_NAMES, type PartName, type PartResult, runPart } from "./refreshParts.js";
import { newReportId, ROW_TTL_SECONDS, type SnapshotOptions, switchPointer } from "./snapshot.js";

/**
 * The refresh pipeline's coordination: one run = one snapshot of one environment at T, split into independent
 * parts (refreshParts.ts) whose completion is counted in one DynamoDB item; the part that completes the count
 * switches the pointer. SQS carries the parts (functions/refreshWorker.ts): no scheduler of our own.
 *
 * | step                          | item / call                                                   | cost                               |
 * |-------------------------------|---------------------------------------------------------------|------------------------------------|
 * | plan a run                    | Put reports `E#{E}#RUN#{reportId}` (attribute_not_exists)     | 1 write; then 1 SQS message a part |
 * | a part is done                | Update: ADD `parts_done` :part, SET `counts.#k` (not yet done) | 1 write per part                   |
 * | the last part switches        | Put entities `REPORT#current` (report_time ≤ T)               | 1 write per run                    |
 * | a redelivered, done part      | GetItem of the run (consistent), no recomputation             | 1 read                             |
 *
 * Why: the counter's condition (`NOT contains(parts_done, :part)`) makes a part count once however often it is
 * delivered; `parts_done` as a string set lets any redelivery see whether the run is complete and (re)try the
 * switch, so a switch that failed is retried with its part alone. A failing part fails only its own message, which
 * SQS retries and finally dead-letters; the previous snapshot stays current meanwhile. The run item lives in the
 * reports table beside the rows and expires with them (TTL).
 */

export interface RunItem {
  report_id: string;
  /** T, ms. */
  time: number;
  parts_total: number;
  parts_done?: Set<string>;
  counts: Record<string, number>;
  replace_newer: boolean;
}

export interface PartJob {
  environment_id: string;
  report_id: string;
  time: number;
  part: PartName;
}

/** Creates the run of a snapshot at `nowMs` (rounded down to the second); `runKey` makes a re-planned job the same run. */
export async function planRun(
  store: Store,
  environmentId: string,
  nowMs: number,
  options: SnapshotOptions = {},
  runKey?: string,
): Promise<PartJob[]> {
  await requireEnvironment(store, environmentId);
  const time = Math.floor(nowMs / 1000) * 1000;
  const reportId = newReportId(time, runKey);
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.reports,
        Item: {
          ...keys.refreshRun(environmentId, reportId),
          report_id: reportId,
          time,
          parts_total: PART_NAMES.length,
          counts: {},
          replace_newer: options.replaceNewer === true,
          [REPORT_TTL_ATTRIBUTE]: toUnixSeconds(time) + ROW_TTL_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (error) {
    // A redelivered plan of the same job: the run exists; its parts are queued again and each counts once.
    if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
  }
  return PART_NAMES.map((part) => ({ environment_id: environmentId, report_id: reportId, time, part }));
}

async function getRun(store: Store, job: PartJob): Promise<RunItem> {
  const got = await store.doc.send(
    new GetCommand({
      TableName: store.tables.reports,
      Key: keys.refreshRun(job.environment_id, job.report_id),
      ConsistentRead: true,
    }),
  );
  if (!got.Item) throw new Error(`refresh run ${job.report_id} not found (expired or never planned)`);
  return got.Item as RunItem;
}

export interface PartOutcome {
  /** Present when this part's run is complete and its snapshot current (switched by this call). */
  pointer?: CurrentReportItem;
  /** The part's result, absent when it had been done already. */
  result?: PartResult;
}

/** Runs one part, counts it once, and switches the pointer if the run is then complete. */
export async function runPartJob(store: Store, job: PartJob): Promise<PartOutcome> {
  let run = await getRun(store, job);
  let result: PartResult | undefined;
  if (!run.parts_done?.has(job.part)) {
    result = await runPart(job.part, {
      store,
      environmentId: job.environment_id,
      reportId: job.report_id,
      time: job.time,
      expiresAt: toUnixSeconds(job.time) + ROW_TTL_SECONDS,
    });
    run = await recordPart(store, job, result.counts);
  }
  if ((run.parts_done?.size ?? 0) < run.parts_total) return result ? { result } : {};
  const pointer = await switchPointer(
    store,
    job.environment_id,
    { report_id: run.report_id, report_time: toUnixSeconds(run.time), counts: run.counts },
    { replaceNewer: run.replace_newer },
  );
  return result ? { pointer, result } : { pointer };
}

async function recordPart(store: Store, job: PartJob, counts: Record<string, number>): Promise<RunItem> {
  const names: Record<string, string> = { "#counts": "counts" };
  const values: Record<string, unknown> = { ":part": new Set([job.part]), ":name": job.part };
  const sets = Object.entries(counts).map(([key, count], i) => {
    names[`#k${i}`] = key;
    values[`:v${i}`] = count;
    return `#counts.#k${i} = :v${i}`;
  });
  try {
    const updated = await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.reports,
        Key: keys.refreshRun(job.environment_id, job.report_id),
        UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(", ")} ` : ""}ADD parts_done :part`,
        ConditionExpression: "attribute_exists(pk) AND NOT contains(parts_done, :name)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return updated.Attributes as RunItem;
  } catch (error) {
    // Counted already by a concurrent delivery of the same part: the run as it stands decides the switch.
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") return getRun(store, job);
    throw error;
  }
}
