import type { Cadence } from "../storage/tableDesign.js";
import { DAY_MS, dayOf, monthOf, startOfDay, startOfIsoWeek, startOfMonth, weekOf } from "../time.js";

/**
 * The days a user or org was ever active, kept on its own item: one bitmap per UTC year (bit d = the year's day d,
 * 0-based), base64, keyed by the year: ≈ 70 bytes a year of history whatever the activity. What it is for: the
 * distinct-member counters of the day / week / month buckets move by the difference between the calendar before a
 * batch and after it, in the same transaction as the entity's versioned write (writeEntities.ts), so they are exact
 * under retries the way the existing-user count is, and no per-member set item needs a transaction. Weeks and months
 * are read off the days (a weekly distinct count is not the sum of daily ones, but "had any day in it" is exact).
 */

export type ActiveDays = Record<string, string>;

const yearOf = (ms: number) => new Date(ms).getUTCFullYear();
const dayOfYear = (ms: number) => Math.floor((startOfDay(ms) - Date.UTC(yearOf(ms), 0, 1)) / DAY_MS);
const BYTES = 46; // 366 bits

function decode(days: ActiveDays | undefined, year: number): Uint8Array | undefined {
  const text = days?.[String(year)];
  return text === undefined ? undefined : new Uint8Array(Buffer.from(text, "base64"));
}

export function hasDay(days: ActiveDays | undefined, ms: number): boolean {
  const bits = decode(days, yearOf(ms));
  const d = dayOfYear(ms);
  return !!bits && ((bits[d >> 3] ?? 0) & (1 << (d & 7))) !== 0;
}

/** `days` with the days of `instants` added: a new object with its years in ascending order (compares by JSON). */
export function withDays(days: ActiveDays | undefined, instants: Iterable<number>): ActiveDays {
  const years = new Map<number, Uint8Array>();
  for (const [year] of Object.entries(days ?? {})) years.set(Number(year), decode(days, Number(year)) as Uint8Array);
  for (const ms of instants) {
    const year = yearOf(ms);
    const bits = years.get(year) ?? new Uint8Array(BYTES);
    const d = dayOfYear(ms);
    bits[d >> 3] = (bits[d >> 3] ?? 0) | (1 << (d & 7));
    years.set(year, bits);
  }
  return Object.fromEntries(
    [...years.entries()]
      .sort(([a], [b]) => a - b)
      .map(([year, bits]) => [String(year), Buffer.from(bits).toString("base64")]),
  );
}

/** Whether any day of [from, to) is in `days`. */
function anyDay(days: ActiveDays | undefined, from: number, to: number): boolean {
  for (let t = from; t < to; t += DAY_MS) if (hasDay(days, t)) return true;
  return false;
}

const nextMonth = (ms: number) => {
  const d = new Date(startOfMonth(ms));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/**
 * The buckets an entity enters between `before` and `after` (its calendar before and after a batch): every day of
 * `instants` not in `before`, and each week / month of those days in which `before` has no day; `at` is the first
 * of `instants` that entered it (a week's count is kept in the month of that day: counters.ts).
 */
export function enteredBuckets(
  before: ActiveDays | undefined,
  instants: Iterable<number>,
): { cadence: Cadence; bucket: string; at: number }[] {
  const entered = new Map<string, { cadence: Cadence; bucket: string; at: number }>();
  for (const ms of instants) {
    if (hasDay(before, ms)) continue;
    const add = (cadence: Cadence, bucket: string) => {
      if (!entered.has(`${cadence} ${bucket}`)) entered.set(`${cadence} ${bucket}`, { cadence, bucket, at: ms });
    };
    add("day", dayOf(ms));
    const week = startOfIsoWeek(ms);
    if (!anyDay(before, week, week + 7 * DAY_MS)) add("week", weekOf(ms));
    if (!anyDay(before, startOfMonth(ms), nextMonth(ms))) add("month", monthOf(ms));
  }
  return [...entered.values()];
}

/** The starts (ms) of the days in `days` within [from, to), ascending: each year decoded once (the refresh reads many). */
export function activeDayStarts(days: ActiveDays | undefined, from: number, to: number): number[] {
  const out: number[] = [];
  for (const [year, text] of Object.entries(days ?? {}).sort(([a], [b]) => Number(a) - Number(b))) {
    const yearStart = Date.UTC(Number(year), 0, 1);
    if (yearStart >= to || Date.UTC(Number(year) + 1, 0, 1) <= from) continue;
    const bits = Buffer.from(text, "base64");
    for (let byte = 0; byte < bits.length; byte++) {
      const value = bits[byte] as number;
      if (value === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((value & (1 << bit)) === 0) continue;
        const start = yearStart + (byte * 8 + bit) * DAY_MS;
        if (start >= from && start < to) out.push(start);
      }
    }
  }
  return out;
}
