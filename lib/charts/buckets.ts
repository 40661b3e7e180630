import type { Cadence } from "../storage/tableDesign.js";
import { DAY_MS, dayOf, dayStart, startOfDay, startOfIsoWeek, startOfMonth } from "../time.js";

/**
 * The buckets of a chart (CONTRACT §6): UTC days, ISO weeks dated by their Monday, UTC months dated by their 1st.
 * Bucket arithmetic is done on instants (ms), so weeks that straddle a year end need no special case.
 */

export interface Bucket {
  /** Sort key of the bucket's counter item: day and week `YYYY-MM-DD` (a week by its Monday), month `YYYY-MM`. */
  id: string;
  /** The bucket's first day, `YYYY-MM-DD`: the `date` of its chart entry. */
  date: string;
  startMs: number;
  /** Exclusive end: the start of the next bucket. */
  endMs: number;
}

/** Chart requests may span at most this many buckets (CONTRACT §6). */
export const MAX_BUCKETS = 1000;

/** Start (ms) of the bucket holding the instant `ms`. */
export function bucketStart(ms: number, cadence: Cadence): number {
  switch (cadence) {
    case "day":
      return startOfDay(ms);
    case "week":
      return startOfIsoWeek(ms);
    case "month":
      return startOfMonth(ms);
  }
}

function nextBucketStart(startMs: number, cadence: Cadence): number {
  switch (cadence) {
    case "day":
      return startMs + DAY_MS;
    case "week":
      return startMs + 7 * DAY_MS;
    case "month": {
      const next = new Date(startMs);
      next.setUTCMonth(next.getUTCMonth() + 1, 1);
      return next.getTime();
    }
  }
}

function monthIndex(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** How many buckets lie from the one holding `fromDay` to the one holding `toDay` (0 when `fromDay` is later). */
export function bucketCount(fromDay: string, toDay: string, cadence: Cadence): number {
  const from = dayStart(fromDay);
  const to = dayStart(toDay);
  if (from > to) return 0;
  switch (cadence) {
    case "day":
      return Math.round((to - from) / DAY_MS) + 1;
    case "week":
      return Math.round((startOfIsoWeek(to) - startOfIsoWeek(from)) / (7 * DAY_MS)) + 1;
    case "month":
      return monthIndex(to) - monthIndex(from) + 1;
  }
}

/** Every bucket from the one holding `fromDay` through the one holding `toDay`, oldest first. */
export function listBuckets(fromDay: string, toDay: string, cadence: Cadence): Bucket[] {
  const buckets: Bucket[] = [];
  if (fromDay > toDay) return buckets;
  const last = bucketStart(dayStart(toDay), cadence);
  for (let start = bucketStart(dayStart(fromDay), cadence); start <= last; ) {
    const end = nextBucketStart(start, cadence);
    const date = dayOf(start);
    buckets.push({ id: cadence === "month" ? date.slice(0, 7) : date, date, startMs: start, endMs: end });
    start = end;
  }
  return buckets;
}
