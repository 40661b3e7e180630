import type { History } from "./bruteForce.js";

/**
 * A deliberately naive reference for retention, lifecycle and stickiness, written from CONTRACT §10 alone over the
 * raw activity instants of a replayed history (bruteForce.ts `replay`): buckets from plain calendar arithmetic,
 * "active in a bucket" as "some instant in [start, min(end, T))", distinct days as a set of `YYYY-MM-DD` strings.
 */

const DAY = 86_400_000;
type Cadence = "Daily" | "Weekly" | "Monthly";
type Entity = "users" | "orgs";

interface Subject {
  created_at: number;
  deleted_at?: number;
  activity: number[];
}

/** [start, end) of the n buckets ending with the one holding T, plus the one before them first. */
export function referenceBuckets(cadence: Cadence, T: number): [number, number][] {
  const d = new Date(T);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  const out: [number, number][] = [];
  if (cadence === "Daily")
    for (let k = 30; k >= 0; k--) out.push([Date.UTC(y, m, day - k), Date.UTC(y, m, day - k + 1)]);
  if (cadence === "Weekly") {
    const monday = day - ((d.getUTCDay() + 6) % 7);
    for (let k = 12; k >= 0; k--) out.push([Date.UTC(y, m, monday - 7 * k), Date.UTC(y, m, monday - 7 * k + 7)]);
  }
  if (cadence === "Monthly") for (let k = 12; k >= 0; k--) out.push([Date.UTC(y, m - k, 1), Date.UTC(y, m - k + 1, 1)]);
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function subjects(h: History, entity: Entity): Subject[] {
  return entity === "users" ? [...h.users.values()] : [...h.orgs.values()];
}

const activeIn = (s: Subject, [a, b]: [number, number], T: number) =>
  s.activity.some((t) => t >= a && t < Math.min(b, T));
const createdIn = (s: Subject, [a, b]: [number, number], T: number) =>
  s.created_at >= a && s.created_at < Math.min(b, T);

export function referenceRetention(h: History, entity: Entity, cadence: Cadence, T: number) {
  const buckets = referenceBuckets(cadence, T).slice(1);
  const all = subjects(h, entity);
  return {
    entity,
    cadence,
    cohorts: buckets.map((bucket, c) => {
      const cohort = all.filter((s) => createdIn(s, bucket, T));
      return {
        cohort: iso(bucket[0]),
        size: cohort.length,
        retained: buckets.slice(c).map((later) => cohort.filter((s) => activeIn(s, later, T)).length),
      };
    }),
  };
}

export function referenceLifecycle(h: History, entity: Entity, cadence: Cadence, T: number) {
  const buckets = referenceBuckets(cadence, T);
  const all = subjects(h, entity).filter((s) => s.created_at < T);
  return {
    entity,
    cadence,
    buckets: buckets.slice(1).map((B, i) => {
      const P = buckets[i] as [number, number];
      const count = (rule: (s: Subject) => boolean) => all.filter(rule).length;
      return {
        date: iso(B[0]),
        new: count((s) => createdIn(s, B, T)),
        returning: count((s) => activeIn(s, B, T) && activeIn(s, P, T) && s.created_at < B[0]),
        resurrecting: count((s) => activeIn(s, B, T) && !activeIn(s, P, T) && s.created_at < P[0]),
        dormant: count((s) => activeIn(s, P, T) && !activeIn(s, B, T)),
      };
    }),
  };
}

export function referenceStickiness(h: History, entity: Entity, n: 7 | 30, T: number) {
  const from = T - n * DAY;
  const touched = new Set<string>();
  for (let t = from; t < T; t += 3_600_000) touched.add(iso(t));
  touched.add(iso(T - 1));
  const counts = new Array<number>(touched.size).fill(0);
  for (const s of subjects(h, entity)) {
    if (s.created_at > T || (s.deleted_at !== undefined && s.deleted_at <= T)) continue;
    const days = new Set(s.activity.filter((t) => t >= from && t < T).map(iso));
    if (days.size > 0) counts[days.size - 1] = (counts[days.size - 1] as number) + 1;
  }
  return {
    entity,
    report_interval: n,
    active: counts.reduce((a, b) => a + b, 0),
    days: counts.map((count, i) => ({ active_days: i + 1, count })),
  };
}
