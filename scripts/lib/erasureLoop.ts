import type { Store } from "../../lib/storage/client.js";
import {
  type ErasureJobOptions,
  ErasureNotReadyError,
  pendingErasureJobs,
  runErasureJob,
} from "../../lib/tenants/erasureJob.js";

/**
 * The local stand-in for the erasure queue and worker (infra/erasure.ts, functions/erasureWorker.ts): `npm start`
 * runs this every few seconds (scripts/lib/demoServer.ts, through the same never-two-at-once loop as the refresh).
 * It finds the environment's unfinished erasure jobs by key (`E#{E}#ERASE`) and runs each as the worker would; a
 * job waiting for a newer snapshot, or for its batch, is simply found again next time. Returns lines to log.
 */
export async function runErasureJobs(
  store: Store,
  environmentId: string,
  options: ErasureJobOptions = {},
): Promise<string[]> {
  const lines: string[] = [];
  for (const { user_id } of await pendingErasureJobs(store, environmentId)) {
    try {
      const run = await runErasureJob(store, environmentId, user_id, options);
      if (run.done) lines.push(`Erased user ${user_id}: ${run.snapshot_rows} snapshot rows, ${run.invites} invites`);
    } catch (error) {
      if (!(error instanceof ErasureNotReadyError)) throw error;
    }
  }
  return lines;
}
