import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import { planRun, runPartJob } from "./refreshRun.js";
import type { SnapshotOptions } from "./snapshot.js";

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
  options: SnapshotOptions = {},
): Promise<{ report_time: number }> {
  const jobs = await planRun(store, environmentId, nowMs, options);
  const outcomes = await mapLimit(jobs, 3, (job) => runPartJob(store, job));
  const pointer = outcomes.find((o) => o.pointer)?.pointer;
  if (!pointer) throw new Error("refresh run did not complete");
  return { report_time: pointer.report_time };
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
