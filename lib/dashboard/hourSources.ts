import { groupCountAttribute, hourCountAttribute } from "../ingest/activeHours.js";
import { firstAttribute } from "../ingest/hourBounds.js";
import { dayOfGenerationAttribute, firstUnderivedDay } from "../ingest/hourGenerations.js";
import type { DayHourCounts } from "./hours.js";

/**
 * Where a day's hour counts come from (tableDesign.ts, "Clock hours counted like the days"), as pure functions of
 * what the reader read. A day whose generation (`HCGEN`, lib/ingest/hourGenerations.ts) is 0 or absent never had
 * activity ingested as old: its live `HC` item is exact. A day with a generation received old-day activity, which
 * only its day set members hold: its counts are derived from the members, kept in a derived item (`HCD`) stamped
 * with the generation they were computed at, and recomputed when the generation moved past it. A day the reader
 * sees as too recent (today − 2 or later: a live ADD may still land on it from a Lambda whose clock is behind) is
 * computed from its members and not kept.
 */

export type DaySource =
  | { kind: "live" }
  | { kind: "derived" }
  | { kind: "recompute"; keep: boolean; generation: number };

/** The source of `day`'s counts for a reader at `now`, from its generation and its derived item's `derived_gen`. */
export function sourceOfDay(
  day: string,
  generation: number | undefined,
  derivedGeneration: number | undefined,
  now: number,
): DaySource {
  if (generation === undefined || generation <= 0) return { kind: "live" };
  if (day >= firstUnderivedDay(now)) return { kind: "recompute", keep: false, generation };
  if (derivedGeneration === generation) return { kind: "derived" };
  return { kind: "recompute", keep: true, generation };
}

/** Day → generation, of the `HCGEN` items of some months. */
export function generationsOf(items: readonly Record<string, unknown>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) {
    const month = String(item.sk);
    for (const [attribute, value] of Object.entries(item)) {
      const day = dayOfGenerationAttribute(month, attribute);
      if (day !== undefined && typeof value === "number") out.set(day, value);
    }
  }
  return out;
}

/** A day's counts as an `HC` (or derived `HCD`) item holds them: `hHH` per hour, `gHH` per even hour's group. */
export function countsOfItem(day: string, item: Record<string, unknown>): DayHourCounts {
  const hours = new Map<number, number>();
  const groups = new Map<number, number>();
  for (let hour = 0; hour < 24; hour++) {
    const users = item[hourCountAttribute(hour)];
    if (typeof users === "number" && users > 0) hours.set(hour, users);
    const group = item[groupCountAttribute(hour)];
    if (hour % 2 === 0 && typeof group === "number" && group > 0) groups.set(hour, group);
  }
  return { day, hours, groups };
}

/**
 * A day's counts from its day set members (each a distinct user, with `hHHn` for each clock hour it was active in,
 * lib/ingest/hourBounds.ts): per hour the members active in it, per two-hour group those active in either hour.
 */
export function countsOfMembers(day: string, members: readonly Record<string, unknown>[]): DayHourCounts {
  const hours = new Map<number, number>();
  const groups = new Map<number, number>();
  for (const member of members) {
    for (let hour = 0; hour < 24; hour += 2) {
      const first = member[firstAttribute(hour)] !== undefined;
      const second = member[firstAttribute(hour + 1)] !== undefined;
      if (first) hours.set(hour, (hours.get(hour) ?? 0) + 1);
      if (second) hours.set(hour + 1, (hours.get(hour + 1) ?? 0) + 1);
      if (first || second) groups.set(hour, (groups.get(hour) ?? 0) + 1);
    }
  }
  return { day, hours: new Map([...hours].sort(([a], [b]) => a - b)), groups };
}

/** The attributes of `counts` as stored (`hHH`, `gHH`). */
export function countAttributes({ hours, groups }: DayHourCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [hour, users] of hours) out[hourCountAttribute(hour)] = users;
  for (const [hour, users] of groups) out[groupCountAttribute(hour)] = users;
  return out;
}

/** The counts of members read in parts (pages, requests): each user is one member, so counts add up. */
export function addCounts(a: DayHourCounts, b: DayHourCounts): DayHourCounts {
  const add = (x: ReadonlyMap<number, number>, y: ReadonlyMap<number, number>) => {
    const out = new Map(x);
    for (const [hour, users] of y) out.set(hour, (out.get(hour) ?? 0) + users);
    return new Map([...out].sort(([p], [q]) => p - q));
  };
  return { day: a.day, hours: add(a.hours, b.hours), groups: add(a.groups, b.groups) };
}

/** Where an unfinished derivation of a day stopped: the generation it reads, its last member read, its counts so far. */
export interface DerivationCheckpoint {
  generation: number;
  after: string;
  counts: DayHourCounts;
}

/** The checkpoint a derived item (`HCD`) holds for `generation`, if one: `part_gen`, `part_after`, `part_counts`. */
export function checkpointOf(
  day: string,
  item: Record<string, unknown> | undefined,
  generation: number,
): DerivationCheckpoint | undefined {
  if (!item || item.part_gen !== generation || typeof item.part_after !== "string") return undefined;
  const counts = item.part_counts;
  if (typeof counts !== "object" || counts === null) return undefined;
  return { generation, after: item.part_after, counts: countsOfItem(day, counts as Record<string, unknown>) };
}
