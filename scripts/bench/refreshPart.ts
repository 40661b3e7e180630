/**
 * One refresh part in a process of its own, as one Lambda worker runs it: `tsx scripts/bench/refreshPart.ts JOB`
 * prints `{ms, maxRssMiB, capacity, rows, next}` so the bench reports each worker's wall time, peak memory, items
 * and rows, and queues the parts it handed on (a churn shard's rest).
 */
import { type PartJob, type PartOutcome, runPartJob } from "../../lib/reports/refreshRun.js";
import { SupersededSnapshotError } from "../../lib/reports/snapshot.js";
import { storeFromEnv } from "../../lib/storage/client.js";
import { meter } from "./capacity.js";

const job = JSON.parse(process.argv[2] as string) as PartJob;
const store = storeFromEnv();
const capacity = meter(store.doc);
const started = performance.now();
let outcome: PartOutcome | undefined;
try {
  outcome = await runPartJob(store, job);
} catch (error) {
  if (!(error instanceof SupersededSnapshotError)) throw error;
}
const ms = performance.now() - started;
// The part's longest list (a churn part: its 7-day list, the others' lists are tails of it); a tally: its users; a
// list part's gather: the log (day-set) items it read; a curves part: the entities it folded.
const rows = Math.max(
  0,
  ...Object.values(outcome?.result?.counts ?? {}),
  outcome?.result?.tallied ?? 0,
  outcome?.result?.gathered ?? 0,
  outcome?.result?.folded ?? 0,
);
// resourceUsage().maxRSS is in KiB: the process's peak resident set, what a Lambda's memory limit bounds.
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ ms, maxRssMiB, capacity, rows, next: outcome?.next ?? [] }));
