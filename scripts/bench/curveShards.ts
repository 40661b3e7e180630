/**
 * The curve parts (`user_curves`, `org_curves`, in shards: lib/reports/curveShards.ts) extrapolated to a tenant
 * size, in the style of the bench's 1M extrapolation (scripts/bench.ts `extrapolation`): a curve worker folds at most
 * CURVE_SHARD_ROWS users (orgs), so its time and memory grow with what it folds up to that budget and stop there, and
 * the number of workers grows instead (users: parallel, planned from the hour counters; orgs: a chain of rests); the
 * merge at the run's completion reads one tallies item per shard.
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

/** One line per curve part at `target` users, and the refresh wall time they need (a chain: its workers' sum). */
export function curvesExtrapolation(results: SizeFigures[], target: number): { lines: string[]; seconds: number } {
  const largest = results[results.length - 1];
  const previous = results[results.length - 2];
  if (!largest) return { lines: [], seconds: 0 };
  const scale = target / largest.users;
  const lines: string[] = [];
  let wall = 0;
  for (const part of ["user_curves", "org_curves"] as const) {
    const p = largest.refresh.parts[part];
    if (!p || p.maxRows === 0) continue;
    const q = previous?.refresh.parts[part];
    const workerRows = Math.min(CURVE_SHARD_ROWS, p.maxRows * scale);
    const slope = q && p.maxRows !== q.maxRows ? (p.maxRssMiB - q.maxRssMiB) / (p.maxRows - q.maxRows) : 0;
    const rss = p.maxRssMiB + Math.max(0, slope) * (workerRows - p.maxRows);
    const seconds = p.seconds * Math.max(1, workerRows / p.maxRows);
    const workers = Math.max(1, Math.ceil((p.rows * scale) / CURVE_SHARD_ROWS));
    // User shards are planned from the hour counters (parallel); the org range starts whole and chains its rests.
    const chained = part === "org_curves";
    wall = Math.max(wall, chained ? seconds * workers : seconds);
    lines.push(
      `  ${part}: ${workers} workers of ≤ ${CURVE_SHARD_ROWS} ${part === "user_curves" ? "users" : "orgs"}${chained ? " (a chain)" : " (parallel)"}, ${seconds.toFixed(0)} s and ${rss.toFixed(0)} MiB peak RSS each; the merge reads ${workers} tally items, writes 8`,
    );
  }
  return { lines, seconds: wall };
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
