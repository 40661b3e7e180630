import { requireEnvironment } from "../auth/credentials.js";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { computeReports } from "./compute.js";
import { loadReportInputs } from "./load.js";
import { newReportId, type SnapshotOptions, writeSnapshot } from "./snapshot.js";

/**
 * One refresh job (CONTRACT §7): every report × interval of one environment at T = `nowMs` rounded down to the
 * second, written as a new snapshot and made current in one step. Used by the SQS worker, the admin CLI and the
 * local server. Throws UnknownEnvironmentError, or SupersededSnapshotError when a newer snapshot is current.
 */
export async function refreshEnvironment(
  store: Store,
  environmentId: string,
  nowMs: number,
  options: SnapshotOptions = {},
): Promise<{ report_time: number }> {
  await requireEnvironment(store, environmentId);
  const time = Math.floor(nowMs / 1000) * 1000;
  const inputs = await loadReportInputs(store, environmentId, time);
  const reportId = newReportId(time);
  const pointer = await writeSnapshot(store, environmentId, reportId, time, computeReports(inputs, reportId), options);
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
