/**
 * The curve parts (`user_curves` in shards, `org_curves` whole) extrapolated to a tenant size, in the style of the
 * bench's 1M extrapolation (scripts/bench.ts `extrapolation`): a user curve worker folds at most CURVE_SHARD_ROWS
 * users, so its time and memory grow with its users up to that budget and stop there, and the number of workers (run
 * in parallel, planned from the hour counters) grows instead; the merge at the run's completion reads one tallies
 * item per shard. The org curves are one worker: time × size, memory along the slope between the two largest sizes.
 */
import { CURVE_SHARD_ROWS } from "../../lib/reports/curveShards.js";

interface PartFigures {
  workers: number;
  seconds: number;
  maxRssMiB: number;
  maxRows: number;
  rows: number;
}

interface SizeFigures {
  users: number;
  refresh: { parts: Record<string, PartFigures> };
}

/** One line per curve part at `target` users, and the slowest worker's seconds. */
export function curvesExtrapolation(results: SizeFigures[], target: number): { lines: string[]; seconds: number } {
  const largest = results[results.length - 1];
  const previous = results[results.length - 2];
  if (!largest) return { lines: [], seconds: 0 };
  const scale = target / largest.users;
  const lines: string[] = [];
  let slowest = 0;
  const user = largest.refresh.parts.user_curves;
  if (user && user.maxRows > 0) {
    const q = previous?.refresh.parts.user_curves;
    const workerRows = Math.min(CURVE_SHARD_ROWS, user.maxRows * scale);
    const slope = q && user.maxRows !== q.maxRows ? (user.maxRssMiB - q.maxRssMiB) / (user.maxRows - q.maxRows) : 0;
    const rss = user.maxRssMiB + Math.max(0, slope) * (workerRows - user.maxRows);
    const seconds = user.seconds * Math.max(1, workerRows / user.maxRows);
    const workers = Math.max(1, Math.ceil((user.rows * scale) / CURVE_SHARD_ROWS));
    slowest = Math.max(slowest, seconds);
    lines.push(
      `  user_curves: ${workers} workers of ≤ ${CURVE_SHARD_ROWS} users (parallel), ${seconds.toFixed(0)} s and ${rss.toFixed(0)} MiB peak RSS each; the merge reads ${workers} tally items, writes 8`,
    );
  }
  const org = largest.refresh.parts.org_curves;
  if (org) {
    const q = previous?.refresh.parts.org_curves;
    const slope = q && previous ? (org.maxRssMiB - q.maxRssMiB) / (largest.users - previous.users) : 0;
    const rss = org.maxRssMiB + Math.max(0, slope) * (target - largest.users);
    slowest = Math.max(slowest, org.seconds * scale);
    lines.push(
      `  org_curves: 1 worker (${Math.round(org.maxRows * scale)} orgs), ${(org.seconds * scale).toFixed(0)} s, ${rss.toFixed(0)} MiB peak RSS`,
    );
  }
  return { lines, seconds: slowest };
}

/** The curve parts' block at `target` users, as the bench prints it. */
export function printCurvesExtrapolation(results: SizeFigures[], target: number): void {
  const { lines } = curvesExtrapolation(results, target);
  const largest = results[results.length - 1];
  if (lines.length === 0 || !largest) return;
  console.log(
    `\nCurve parts extrapolated to ${target / 1_000_000}M users (from ${largest.users / 1000}k):\n${lines.join("\n")}`,
  );
}
