import type { PartJob, RunItem } from "./refreshRun.js";

/**
 * The run's side of the sharded user activity part (activityShards.ts): when the rows parts may run and which
 * tallies they merge. Kept apart from refreshRun.ts, which only calls these.
 *
 * The run item records each counted tally's attempt (`tallies`, by part id) in the write that counts it, and
 * `tallies_total` (planned ranges, + 1 in the write that counts a tally handing a rest on): the set is complete
 * exactly when every tally there will ever be is counted, which no later write can undo. The rows parts are in
 * `parts_total` from the plan on, so the run can't complete before them.
 */

export function talliesComplete(run: Pick<RunItem, "tallies" | "tallies_total">): boolean {
  return run.tallies !== undefined && Object.keys(run.tallies).length === run.tallies_total;
}

/** The counted tallies' attempts (their order does not matter: the rows parts sort what they merge). */
export function tallyAttempts(run: Pick<RunItem, "tallies">): string[] {
  return Object.values(run.tallies ?? {});
}

/** The rows parts of a run, one per slice, from a tally job of it. */
export function activityJobs(tally: PartJob, slices: number): PartJob[] {
  const { range: _range, ...base } = tally;
  return Array.from({ length: slices }, (_, slice) => ({ ...base, slice }));
}
