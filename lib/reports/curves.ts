import { DAY_MS, dayOf, dayStart, startOfDay, startOfIsoWeek, startOfMonth } from "../time.js";
import { existsAt } from "./compute.js";
import type { DayActivity } from "./types.js";

/**
 * Retention, lifecycle and stickiness (CONTRACT §10) as pure functions over the entities' days of activity: what
 * the refresh part (curvesPart.ts) feeds them from the stored calendars, and what the property tests check against
 * a brute force over raw instants. The tallies are plain sums over entities, so partial tallies of disjoint sets of
 * entities merge by addition (`mergeTallies`).
 *
 * An entity is its `createdAt`, its `deletedAt` (users; it stays in history, §10) and its active days as
 * `DayActivity` items (first / last activity of the day): a day fully inside a bucket or window counts whatever its
 * instants; only the bucket holding T (which ends at T) and a window's first day look at them.
 */

export const CURVE_CADENCES = ["Daily", "Weekly", "Monthly"] as const;
export type CurveCadence = (typeof CURVE_CADENCES)[number];
export const CURVE_ENTITIES = ["users", "orgs"] as const;
export type CurveEntity = (typeof CURVE_ENTITIES)[number];
export const STICKINESS_INTERVALS = ["7", "30"] as const;
export type StickinessInterval = (typeof STICKINESS_INTERVALS)[number];

/** Buckets a route answers: the ones ending with the bucket holding T. */
export const BUCKET_COUNT: Record<CurveCadence, number> = { Daily: 30, Weekly: 12, Monthly: 12 };

export interface CurveSubject {
  createdAt: number;
  deletedAt?: number;
  /** Its active days (any order, one item per day; days outside the buckets are ignored). */
  days: readonly Pick<DayActivity, "day" | "min_at" | "max_at">[];
}

function bucketStart(cadence: CurveCadence, ms: number): number {
  if (cadence === "Daily") return startOfDay(ms);
  if (cadence === "Weekly") return startOfIsoWeek(ms);
  return startOfMonth(ms);
}

function shift(cadence: CurveCadence, start: number, by: number): number {
  if (cadence === "Daily") return start + by * DAY_MS;
  if (cadence === "Weekly") return start + by * 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + by, 1);
}

/**
 * Bucket bounds at T: `starts[0]` is the bucket before the first (lifecycle's P of the first bucket), `starts[1..n]`
 * the n answered buckets, `starts[n + 1]` the end of the one holding T. A bucket i covers [starts[i], ends[i]) with
 * ends[i] = min(starts[i + 1], T).
 */
export function curveBuckets(cadence: CurveCadence, T: number): { starts: number[]; ends: number[] } {
  const n = BUCKET_COUNT[cadence];
  const last = bucketStart(cadence, T);
  const starts = Array.from({ length: n + 2 }, (_, i) => shift(cadence, last, i - n));
  const ends = starts.slice(1).map((s) => Math.min(s, T));
  return { starts, ends };
}

/** The first instant any bucket of any cadence looks at: what the refresh must read back to. */
export function curvesLookbackStart(T: number): number {
  return Math.min(...CURVE_CADENCES.map((c) => curveBuckets(c, T).starts[0] as number));
}

/** Counts of one (entity kind, cadence); index b of the per-bucket arrays is answered bucket b (0 = oldest). */
export interface CurveTally {
  sizes: number[];
  /** retained[c][k]: cohort c's entities active in bucket c + k. */
  retained: number[][];
  new: number[];
  returning: number[];
  resurrecting: number[];
  dormant: number[];
}

export function emptyCurveTally(cadence: CurveCadence): CurveTally {
  const n = BUCKET_COUNT[cadence];
  const zeros = () => new Array<number>(n).fill(0);
  return {
    sizes: zeros(),
    retained: Array.from({ length: n }, (_, c) => new Array<number>(n - c).fill(0)),
    new: zeros(),
    returning: zeros(),
    resurrecting: zeros(),
    dormant: zeros(),
  };
}

/** Index in `starts` of the bucket holding `ms` (0..n), or -1 outside [starts[0], T). */
function bucketIndex(starts: number[], ends: number[], ms: number): number {
  if (ms < (starts[0] as number) || ms >= (ends[ends.length - 1] as number)) return -1;
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whether a day item had an activity in [a, b): a day inside it counts whatever its instants; a day holding `b`
 * by its first instant, one holding `a` by its last. Buckets start at midnight and windows last ≥ 7 days, so no
 * day holds both `a` (after its start) and `b`.
 */
function dayActiveIn(item: CurveSubject["days"][number], a: number, b: number): boolean {
  const start = dayStart(item.day);
  const end = start + DAY_MS;
  if (end <= a || start >= b) return false;
  if (end > b && item.min_at >= b) return false;
  if (start < a && item.max_at < a) return false;
  return true;
}

/** Its days, with its sign-up's day widened by the sign-up (an activity, CONTRACT §3, whatever its calendar says). */
function daysWithCreation(subject: CurveSubject): CurveSubject["days"] {
  const created = dayOf(subject.createdAt);
  const at = subject.createdAt;
  const own = subject.days.find((d) => d.day === created);
  const widened = { day: created, min_at: Math.min(own?.min_at ?? at, at), max_at: Math.max(own?.max_at ?? at, at) };
  return [...subject.days.filter((d) => d.day !== created), widened];
}

/** Which of the n + 1 buckets (P of the first included) the subject was active in before T. */
function activeBuckets(subject: CurveSubject, starts: number[], ends: number[], T: number): boolean[] {
  const active = new Array<boolean>(starts.length - 1).fill(false);
  for (const item of daysWithCreation(subject)) {
    const start = dayStart(item.day);
    const i = bucketIndex(starts, ends, start);
    if (i < 0 || active[i]) continue;
    // Days are whole inside every bucket but the one holding T, which ends at T (maybe inside T's day).
    if (dayActiveIn(item, start, Math.min(start + DAY_MS, ends[i] as number, T))) active[i] = true;
  }
  return active;
}

/** Adds one entity to the tally of a cadence (CONTRACT §10's retention and lifecycle rules). */
export function addToCurveTally(tally: CurveTally, cadence: CurveCadence, T: number, subject: CurveSubject): void {
  // Created at or after T: not yet in any bucket (the bucket holding T counts what happened before T).
  if (subject.createdAt >= T) return;
  const { starts, ends } = curveBuckets(cadence, T);
  const n = BUCKET_COUNT[cadence];
  const active = activeBuckets(subject, starts, ends, T);
  const created = bucketIndex(starts, ends, subject.createdAt); // -1: before the buckets
  const cohort = created - 1; // answered bucket index
  if (cohort >= 0) {
    (tally.sizes[cohort] as number)++;
    const row = tally.retained[cohort] as number[];
    for (let k = 0; k < n - cohort; k++) if (active[cohort + 1 + k]) (row[k] as number)++;
  }
  const createdBefore = (i: number) => created === -1 || created < i;
  for (let b = 0; b < n; b++) {
    const inB = active[b + 1] as boolean;
    const inP = active[b] as boolean;
    if (created === b + 1) (tally.new[b] as number)++;
    else if (inB && inP && createdBefore(b + 1)) (tally.returning[b] as number)++;
    else if (inB && !inP && createdBefore(b)) (tally.resurrecting[b] as number)++;
    if (inP && !inB) (tally.dormant[b] as number)++;
  }
}

/** Sums of two tallies of disjoint entities (a sharded refresh's partial tallies). */
export function mergeTallies(a: CurveTally, b: CurveTally): CurveTally {
  const add = (x: number[], y: number[]) => x.map((v, i) => v + (y[i] as number));
  return {
    sizes: add(a.sizes, b.sizes),
    retained: a.retained.map((row, c) => add(row, b.retained[c] as number[])),
    new: add(a.new, b.new),
    returning: add(a.returning, b.returning),
    resurrecting: add(a.resurrecting, b.resurrecting),
    dormant: add(a.dormant, b.dormant),
  };
}

/** The date naming a bucket: its first day (a Monday for weeks, the 1st for months). */
const bucketDates = (cadence: CurveCadence, T: number) => curveBuckets(cadence, T).starts.slice(1, -1).map(dayOf);

export interface RetentionBody {
  entity: CurveEntity;
  cadence: CurveCadence;
  cohorts: { cohort: string; size: number; retained: number[] }[];
}

export interface LifecycleBody {
  entity: CurveEntity;
  cadence: CurveCadence;
  buckets: { date: string; new: number; returning: number; resurrecting: number; dormant: number }[];
}

export function retentionBody(entity: CurveEntity, cadence: CurveCadence, T: number, t: CurveTally): RetentionBody {
  return {
    entity,
    cadence,
    cohorts: bucketDates(cadence, T).map((cohort, c) => ({
      cohort,
      size: t.sizes[c] as number,
      retained: [...(t.retained[c] as number[])],
    })),
  };
}

export function lifecycleBody(entity: CurveEntity, cadence: CurveCadence, T: number, t: CurveTally): LifecycleBody {
  return {
    entity,
    cadence,
    buckets: bucketDates(cadence, T).map((date, b) => ({
      date,
      new: t.new[b] as number,
      returning: t.returning[b] as number,
      resurrecting: t.resurrecting[b] as number,
      dormant: t.dormant[b] as number,
    })),
  };
}

/** Number of UTC days the window [T − N·24h, T) touches: N + 1, or N when T is at 00:00:00. */
export function stickinessDayCount(interval: StickinessInterval, T: number): number {
  return Number(interval) + (T === startOfDay(T) ? 0 : 1);
}

/** counts[d − 1]: entities existing at T active on exactly d distinct days of the window. */
export type StickinessTally = number[];

export function emptyStickinessTally(interval: StickinessInterval, T: number): StickinessTally {
  return new Array<number>(stickinessDayCount(interval, T)).fill(0);
}

/** Adds one entity: the champion report's rule (exists at T, distinct UTC days with activity in the window). */
export function addToStickiness(
  tally: StickinessTally,
  interval: StickinessInterval,
  T: number,
  subject: CurveSubject,
): void {
  if (!existsAt({ created_at: subject.createdAt, deleted_at: subject.deletedAt }, T)) return;
  const from = T - Number(interval) * DAY_MS;
  let days = 0;
  for (const item of daysWithCreation(subject)) if (dayActiveIn(item, from, T)) days++;
  if (days > 0) tally[days - 1] = (tally[days - 1] ?? 0) + 1;
}

export interface StickinessBody {
  entity: CurveEntity;
  report_interval: number;
  active: number;
  days: { active_days: number; count: number }[];
}

export function stickinessBody(entity: CurveEntity, interval: StickinessInterval, t: StickinessTally): StickinessBody {
  return {
    entity,
    report_interval: Number(interval),
    active: t.reduce((a, b) => a + b, 0),
    days: t.map((count, i) => ({ active_days: i + 1, count })),
  };
}

/** An accumulator's sums, every cadence and interval: what merges (a sharded refresh's partial result). */
export interface CurveTallies {
  curves: Record<CurveCadence, CurveTally>;
  stickiness: Record<StickinessInterval, StickinessTally>;
}

/** Every body of one entity kind at T from its subjects (the refresh part streams them; tests pass arrays). */
export class CurvesAccumulator {
  readonly curves = new Map<CurveCadence, CurveTally>();
  readonly stickiness = new Map<StickinessInterval, StickinessTally>();

  constructor(
    readonly entity: CurveEntity,
    readonly T: number,
  ) {
    for (const c of CURVE_CADENCES) this.curves.set(c, emptyCurveTally(c));
    for (const n of STICKINESS_INTERVALS) this.stickiness.set(n, emptyStickinessTally(n, T));
  }

  /** Subjects added (what a refresh part's cost grows with). */
  folded = 0;

  add(subject: CurveSubject): void {
    this.folded++;
    for (const [c, tally] of this.curves) addToCurveTally(tally, c, this.T, subject);
    for (const [n, tally] of this.stickiness) addToStickiness(tally, n, this.T, subject);
  }

  /** The partial tallies, as a curve shard stores them (curveShards.ts): plain numbers, JSON as they are. */
  tallies(): CurveTallies {
    return { curves: Object.fromEntries(this.curves), stickiness: Object.fromEntries(this.stickiness) } as CurveTallies;
  }

  /** Adds the tallies of a disjoint set of entities (another shard's at the same T): sums, so order is free. */
  merge(other: CurveTallies): void {
    for (const [c, tally] of this.curves) this.curves.set(c, mergeTallies(tally, other.curves[c]));
    for (const [n, tally] of this.stickiness) {
      const theirs = other.stickiness[n];
      // Same T, same window: the same number of day counts; anything else is another snapshot's and is refused.
      if (theirs.length !== tally.length) throw new Error("curve tallies of another snapshot time");
      this.stickiness.set(
        n,
        tally.map((v, i) => v + (theirs[i] as number)),
      );
    }
  }

  /** Each body under its snapshot name (`retention#Weekly`, `stickiness#30`, …). */
  bodies(): Map<string, RetentionBody | LifecycleBody | StickinessBody> {
    const out = new Map<string, RetentionBody | LifecycleBody | StickinessBody>();
    for (const [c, tally] of this.curves) {
      out.set(curveName("retention", c), retentionBody(this.entity, c, this.T, tally));
      out.set(curveName("lifecycle", c), lifecycleBody(this.entity, c, this.T, tally));
    }
    for (const [n, tally] of this.stickiness)
      out.set(curveName("stickiness", n), stickinessBody(this.entity, n, tally));
    return out;
  }
}

export type CurveRoute = "retention" | "lifecycle" | "stickiness";

/** A body's name within a snapshot (with the entity, its key in the reports table). */
export function curveName(route: CurveRoute, parameter: string): string {
  return `${route}#${parameter}`;
}

/** The body of a snapshot without data for it (a new environment, a snapshot older than these routes). */
export function emptyBody(route: CurveRoute, entity: CurveEntity, parameter: string, T: number) {
  const acc = new CurvesAccumulator(entity, T);
  return acc.bodies().get(curveName(route, parameter));
}
