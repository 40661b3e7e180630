import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import { type PartJob, type PartOutcome, planRun, type RunOptions, runPartJob } from "./refreshRun.js";

/**
 * One refresh (CONTRACT §7) in this process: every report × interval of one environment at T = `nowMs` rounded
 * down to the second, planned as a run and its parts executed here (the SQS worker runs the same parts one message
 * each). Used by the admin CLI, the local server and the tests. Throws UnknownEnvironmentError, or
 * SupersededSnapshotError when a newer snapshot is current.
 */
export async function refreshEnvironment(
  store: Store,
  environmentId: string,
  nowMs: number,
  options: RunOptions = {},
): Promise<{ report_time: number }> {
  const { report_time } = await refreshEnvironmentPointer(store, environmentId, nowMs, options);
  return { report_time };
}

/** refreshEnvironment, resolving to the pointer it switched (the local server queues its webhook dispatch). */
export async function refreshEnvironmentPointer(
  store: Store,
  environmentId: string,
  nowMs: number,
  options: RunOptions = {},
): Promise<CurrentReportItem> {
  const outcomes: PartOutcome[] = [];
  // Each part's handed-on rest runs after it, as the worker would queue it.
  const runChain = async (job: PartJob): Promise<void> => {
    const outcome = await runPartJob(store, job);
    outcomes.push(outcome);
    for (const next of outcome.next) await runChain(next);
  };
  await mapLimit(await planRun(store, environmentId, nowMs, options), 3, runChain);
  const pointer = outcomes.find((o) => o.pointer)?.pointer;
  if (!pointer) throw new Error("refresh run did not complete");
  return pointer;
}

/** Every environment's id (the refresh dispatcher's fan-out), from the `ENVS` listing partition. */
export async function listEnvironmentIds(store: Store): Promise<string[]> {
  const items = await queryAll<{ sk: string }>(store, {
    TableName: store.tables.entities,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.environmentListingPk },
    ProjectionExpression: "sk",
  });
  return items.map((i) => i.sk);
}
