/**
 * One refresh part in a process of its own, as one Lambda worker runs it: `tsx scripts/bench/refreshPart.ts JOB`
 * prints `{ms, maxRssMiB, capacity}` so the bench reports each worker's wall time, peak memory and items.
 */
import { type PartJob, runPartJob } from "../../lib/reports/refreshRun.js";
import { SupersededSnapshotError } from "../../lib/reports/snapshot.js";
import { storeFromEnv } from "../../lib/storage/client.js";
import { meter } from "./capacity.js";

const job = JSON.parse(process.argv[2] as string) as PartJob;
const store = storeFromEnv();
const capacity = meter(store.doc);
const started = performance.now();
try {
  await runPartJob(store, job);
} catch (error) {
  if (!(error instanceof SupersededSnapshotError)) throw error;
}
const ms = performance.now() - started;
// resourceUsage().maxRSS is in KiB: the process's peak resident set, what a Lambda's memory limit bounds.
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, capacity }));
