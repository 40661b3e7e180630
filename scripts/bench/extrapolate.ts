import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ACTIVITY_SLICE_ROWS, ACTIVITY_TALLY_USERS } from "../../lib/reports/activityShards.js";
import { CHURN_SHARD_ROWS } from "../../lib/reports/churnShards.js";
import { CURVE_SHARD_ROWS } from "../../lib/reports/curveShards.js";
import { isListPart, USERS_PER_LIST_SHARD } from "../../lib/reports/listShards.js";
import { USERS_PER_ORG_CHURN_RANGE } from "../../lib/reports/orgChurnPlan.js";
import type { PartJob } from "../../lib/reports/refreshRun.js";

/**
 * The bench's extrapolation of the refresh to 10M users (issue 20 item 6) from its two largest measured tenants:
 * per part, the workers it needs, each worker's time and peak RSS, and the whole refresh's wall time when those
 * workers share the deployed worker concurrency (infra/refresh.ts: SQS `maxConcurrency`).
 *
 * Model:
 *  - *Sharded parts* (churn shards, user activity tallies and rows): a worker does at most its budget of work
 *    (rows, or users tallied); its time and RSS are fitted on the measured workers' (work → seconds, work → MiB,
 *    the slope of the two sizes, never below proportional / flat), and the number of workers grows with the tenant.
 *    User churn and the activity tallies are planned in parallel; the activity rows parts wait for every tally; org
 *    churn starts as ⌈users / 100,000⌉ ranges (≤ 16, orgChurnPlan.ts), each chaining its rests (taken as balanced).
 *    User curves are planned in parallel (≤ 50,000 users each), org curves are one chain of rests (curveShards.ts).
 *  - *List parts* (top inviters, org reengagement, org growth / attrition: listShards.ts): as many gathers and as
 *    many rows parts as the planner makes of the tenant's users (⌈users / 500,000⌉, ≤ 30), each doing an equal
 *    share of the measured work (gathers: items read; rows parts: the longest list's rows); the rows parts wait for
 *    their part's gathers. A rows part also reads every gather's records (≈ 50 bytes a row of the whole lists),
 *    which the fit along the two sizes' workers carries as per-row cost.
 *  - *Whole parts* (one worker whatever the size): time ∝ users, RSS along the slope between the two sizes.
 *  - *Wall time*: the workers list-scheduled on `workers` slots, longest remaining path first.
 * Extrapolation assumes the measured tenants' shape (the bench mix) holds at 10M, and DynamoDB Local's latency.
 */

export const TARGET_USERS = 10_000_000;
/** What issue 20 asks of every worker and of the whole refresh. */
const MAX_WORKER_MIB = 512;
const MAX_WORKER_SECONDS = 120;
const MAX_WALL_SECONDS = 15 * 60;
/** infra/refresh.ts: the refresh worker's SQS event source `maxConcurrency`. */
const DEPLOYED_CONCURRENCY = 20;

/** The bench's name of a part's workers: user activity's two phases are measured apart. */
export function partLabel(job: Pick<PartJob, "part" | "range" | "slice">): string {
  if (job.part === "user_activity" && job.slice !== undefined) return "user_activity rows";
  if (job.part === "user_activity" && job.range) return "user_activity tally";
  if (isListPart(job.part) && job.slice !== undefined) return `${job.part} rows`;
  if (isListPart(job.part) && job.range) return `${job.part} gather`;
  return job.part;
}

interface PartStats {
  workers: number;
  seconds: number;
  maxRssMiB: number;
  maxRows: number;
  rows: number;
}

interface Measured {
  users: number;
  refresh: { parts: Record<string, PartStats> };
}

type Shape = "parallel" | "chains" | "after";
interface ShardedPart {
  /** Work (rows, users tallied, items gathered) of one worker at most; absent: `workersAt` plans the count. */
  budget?: number;
  shape: Shape;
  /** Workers as the planner makes them of a tenant's users (list parts: shares of equal work). */
  workersAt?: (users: number) => number;
  /** Chains of rests run side by side (org churn: its planned ranges; org curves: one). */
  chainsAt?: (users: number) => number;
  /** The part whose workers must all end before these start (`after`). */
  after?: string;
}
/** listShards.ts `planListParts`: one gather range and one rows slice per 500,000 users, ≤ 30. */
const listWorkers = (users: number) => Math.min(30, Math.max(1, Math.ceil(users / USERS_PER_LIST_SHARD)));
const SHARDED: Record<string, ShardedPart> = {
  user_churn: { budget: CHURN_SHARD_ROWS.U, shape: "parallel" },
  org_churn: {
    budget: CHURN_SHARD_ROWS.O,
    shape: "chains",
    chainsAt: (users) => Math.min(16, Math.max(1, Math.ceil(users / USERS_PER_ORG_CHURN_RANGE))),
  },
  "user_activity tally": { budget: ACTIVITY_TALLY_USERS, shape: "parallel" },
  "user_activity rows": { budget: ACTIVITY_SLICE_ROWS, shape: "after", after: "user_activity tally" },
  user_curves: { budget: CURVE_SHARD_ROWS, shape: "parallel" },
  org_curves: { budget: CURVE_SHARD_ROWS, shape: "chains", chainsAt: () => 1 },
  ...Object.fromEntries(
    (["user_invites", "org_activity", "org_changes"] as const).flatMap((part) => [
      [`${part} gather`, { shape: "parallel", workersAt: listWorkers }],
      [`${part} rows`, { shape: "after", workersAt: listWorkers, after: `${part} gather` }],
    ]),
  ),
};

interface Projection {
  part: string;
  workers: number;
  seconds: number;
  rssMiB: number;
  shape: Shape | "whole";
  /** Chains of rests run side by side (org churn's planned ranges). */
  chains: number;
  /** The part whose workers must all end first. */
  after?: string;
}

/** y at x along the line through two measured points, the slope at least `minSlope` (from the larger point). */
function along(x: number, x1: number, y1: number, x0?: number, y0?: number, minSlope = 0): number {
  const slope = x0 !== undefined && y0 !== undefined && x1 !== x0 ? (y1 - y0) / (x1 - x0) : minSlope;
  return y1 + Math.max(minSlope, slope) * (x - x1);
}

export function projectParts(results: readonly Measured[], users = TARGET_USERS): Projection[] {
  const largest = results[results.length - 1] as Measured;
  const previous = results[results.length - 2];
  const scale = users / largest.users;
  return Object.entries(largest.refresh.parts).map(([part, p]): Projection => {
    const q = previous?.refresh.parts[part];
    const sharded = SHARDED[part];
    if (!sharded || p.maxRows === 0) {
      const rssMiB = along(users, largest.users, p.maxRssMiB, previous?.users, q?.maxRssMiB);
      return { part, workers: 1, seconds: p.seconds * scale, rssMiB, shape: "whole", chains: 1 };
    }
    const work = p.rows * scale;
    const workers = sharded.workersAt
      ? sharded.workersAt(users)
      : Math.max(1, Math.ceil(work / (sharded.budget as number)));
    const perWorker = Math.min(sharded.budget ?? Number.POSITIVE_INFINITY, work / workers);
    // Time: along the two sizes' workers (a fixed cost and a cost per row); from one size, proportional.
    // Two workers of (nearly) one size (both at their budget) give no slope: a 0.01 % difference read as one would
    // extrapolate noise (user curves: 49,993 and 50,000 users, 6 and 13 s on a loaded machine, gave negative times).
    const fitted = q && Math.abs(p.maxRows - q.maxRows) >= 0.1 * p.maxRows && q.seconds < p.seconds;
    const seconds = fitted
      ? along(perWorker, p.maxRows, p.seconds, q.maxRows, q.seconds)
      : (p.seconds * perWorker) / p.maxRows;
    const rssMiB = Math.max(p.maxRssMiB, along(perWorker, p.maxRows, p.maxRssMiB, q?.maxRows, q?.maxRssMiB));
    const chains = sharded.chainsAt?.(users) ?? 1;
    return {
      part,
      workers,
      seconds,
      rssMiB,
      shape: sharded.shape,
      chains,
      ...(sharded.after ? { after: sharded.after } : {}),
    };
  });
}

/** Wall time of every worker of `parts` on `slots` workers at once (greedy, longest remaining path first). */
export function wallSeconds(parts: readonly Projection[], slots: number): number {
  interface Task {
    seconds: number;
    /** Tasks that must end first (indexes). */
    after: number[];
    /** This task and what must follow it, in seconds. */
    path: number;
  }
  const tasks: Task[] = [];
  const byPart = new Map<string, number[]>();
  // What must follow a part's workers: the slowest worker of the parts waiting for it (one level: rows after their
  // tallies or gathers).
  const following = (p: Projection) => Math.max(0, ...parts.filter((q) => q.after === p.part).map((q) => q.seconds));
  // Parts waiting for others go after them in the list, so their predecessors' tasks exist.
  const ordered = [...parts.filter((p) => !p.after), ...parts.filter((p) => p.after)];
  for (const p of ordered) {
    // Chains: worker k follows worker k − chains (k mod chains is its chain).
    const first = tasks.length;
    const waits = p.after ? (byPart.get(p.after) ?? []) : [];
    for (let k = 0; k < p.workers; k++) {
      const chained = p.shape === "chains" && k >= p.chains;
      const tail = p.shape === "chains" ? Math.ceil((p.workers - k) / p.chains) * p.seconds : p.seconds;
      tasks.push({
        seconds: p.seconds,
        after: chained ? [first + k - p.chains] : waits,
        path: tail + following(p),
      });
    }
    byPart.set(
      p.part,
      Array.from({ length: p.workers }, (_, k) => first + k),
    );
  }
  const end = new Array<number>(tasks.length).fill(Number.POSITIVE_INFINITY);
  const started = new Array<boolean>(tasks.length).fill(false);
  let running: number[] = [];
  let now = 0;
  for (let finished = 0; finished < tasks.length; ) {
    const ready = tasks
      .map((t, i) => ({ t, i }))
      .filter(({ t, i }) => !started[i] && t.after.every((a) => (end[a] as number) <= now))
      .sort((a, b) => b.t.path - a.t.path);
    for (const { t, i } of ready) {
      if (running.length >= slots) break;
      started[i] = true;
      end[i] = now + t.seconds;
      running.push(i);
    }
    now = Math.min(...running.map((i) => end[i] as number));
    const done = running.filter((i) => (end[i] as number) <= now);
    finished += done.length;
    running = running.filter((i) => (end[i] as number) > now);
  }
  return now;
}

/** The 10M table, as printed by `npm run bench` after its own (1M) extrapolation. */
export function extrapolationTable(results: readonly Measured[], users = TARGET_USERS): string {
  if (results.length === 0) return "";
  const parts = projectParts(results, users);
  const largest = results[results.length - 1] as Measured;
  const previous = results[results.length - 2];
  const ok = (p: Projection) => (p.rssMiB <= MAX_WORKER_MIB && p.seconds <= MAX_WORKER_SECONDS ? "yes" : "NO");
  const lines = parts.map(
    (p) =>
      `| ${p.part} | ${p.after ? `after ${p.after}` : p.shape} | ${p.workers} | ${p.seconds.toFixed(0)} | ${p.rssMiB.toFixed(0)} | ${ok(p)} |`,
  );
  const walls = (of: Projection[]) =>
    [5, DEPLOYED_CONCURRENCY, 50]
      .map((slots) => {
        const s = wallSeconds(of, slots);
        return `${slots} workers at once: ${(s / 60).toFixed(1)} min${s <= MAX_WALL_SECONDS ? "" : " (over 15 min)"}`;
      })
      .join("; ");
  const sharded = parts.filter((p) => p.shape !== "whole");
  return [
    `\nExtrapolated to ${users / 1_000_000}M users (from ${largest.users / 1000}k${previous ? ` and ${previous.users / 1000}k` : ""}; every worker ≤ ${MAX_WORKER_MIB} MB and ≤ ${MAX_WORKER_SECONDS} s?):`,
    "| part | workers run | workers | s each | peak RSS MiB each | within |",
    "|---|---|---|---|---|---|",
    ...lines,
    `whole refresh wall time, ${walls(parts)} (deployed: ${DEPLOYED_CONCURRENCY})`,
    `the sharded parts alone (${sharded.map((p) => p.part).join(", ")}): ${walls(sharded)}`,
  ].join("\n");
}

// `npx tsx scripts/bench/extrapolate.ts [bench/results.json]`: the table again from saved results (budgets changed).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? "bench/results.json";
  const saved = JSON.parse(readFileSync(file, "utf8")) as { results: Measured[] };
  console.log(extrapolationTable(saved.results));
}
