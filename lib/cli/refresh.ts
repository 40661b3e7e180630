import { refreshEnvironment } from "../reports/refresh.js";
import type { SnapshotOptions } from "../reports/snapshot.js";
import type { Store } from "../storage/client.js";
import { requireEnvironment } from "./commands.js";

/**
 * `refresh --environment ID [--now ISO]`: every report snapshot of one environment, recomputed at `nowMs`. An
 * explicit `--now` is served even when it is older than the current snapshot: the operator asked for that instant.
 */
export async function refreshCommand(
  store: Store,
  environmentId: string,
  nowMs: number,
  options: SnapshotOptions = {},
): Promise<{ report_time: number }> {
  await requireEnvironment(store, environmentId);
  const { report_time } = await refreshEnvironment(store, environmentId, nowMs, options);
  return { report_time };
}
