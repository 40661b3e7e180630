import { HOUR_MS } from "../time.js";

/**
 * The clock hours of a user's day, kept on its day set member (tableDesign.ts, `SET#active_users#day#{day}`): for
 * each UTC hour HH of the day in which the user was active, the first and last instant of that activity within the
 * hour, as milliseconds since the hour's start, in the attributes `hHHn` / `hHHx`. What it is for: the dashboard's
 * activity-by-hour routes (CONTRACT §10) count the distinct users of each clock hour from them, and decide a window
 * that starts or ends inside an hour (`[start − 24h, start)`) exactly, as the day bounds `min_at` / `max_at` do for
 * days.
 *
 * Why on the day member and not counters of their own: the member is written anyway when a user enters a day, and
 * again when its day's first or last instant moves; an activity in a later (or earlier) hour than any so far that day
 * moves `max_at` (or `min_at`), so the hour's bounds ride in that same write: a new user-hour in time order costs
 * nothing more, and a repeat in the same hour writes nothing more than the day bounds already did. Every value only
 * moves outward (a merge: min of the firsts, max of the lasts), so a retry or a concurrent batch converges to the
 * same item (writeActivity.ts writes it conditional on what it read). ≤ 24 × 2 small numbers: the member stays under
 * 1 KB (one write unit) with the longest ids.
 */

/** First and last instant (ms since epoch) of some activity. */
export interface Bounds {
  min: number;
  max: number;
}

/** Hour of day (0–23) → bounds of the activity in it. */
export type HourBounds = Map<number, Bounds>;

const pad = (hour: number) => String(hour).padStart(2, "0");
export const firstAttribute = (hour: number) => `h${pad(hour)}n`;
export const lastAttribute = (hour: number) => `h${pad(hour)}x`;

const hourOfDay = (ms: number) => new Date(ms).getUTCHours();
const hourStart = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Adds instant `at` (of the member's day) to `bounds`. */
export function addInstant(bounds: HourBounds, at: number): void {
  const hour = hourOfDay(at);
  const b = bounds.get(hour);
  if (b) {
    b.min = Math.min(b.min, at);
    b.max = Math.max(b.max, at);
  } else bounds.set(hour, { min: at, max: at });
}

/** The hour bounds a stored member holds (instants since epoch); `dayStartMs` is its day's 00:00. */
export function storedHourBounds(item: Record<string, unknown>, dayStartMs: number): HourBounds {
  const bounds: HourBounds = new Map();
  for (let hour = 0; hour < 24; hour++) {
    const first = item[firstAttribute(hour)];
    const last = item[lastAttribute(hour)];
    if (typeof first !== "number" || typeof last !== "number") continue;
    const start = dayStartMs + hour * HOUR_MS;
    bounds.set(hour, { min: start + first, max: start + last });
  }
  return bounds;
}

/** The attributes of `bounds` as stored (offsets within their hour). */
export function hourAttributes(bounds: HourBounds): Record<string, number> {
  const attributes: Record<string, number> = {};
  for (const [hour, { min, max }] of bounds) {
    attributes[firstAttribute(hour)] = min - hourStart(min);
    attributes[lastAttribute(hour)] = max - hourStart(max);
  }
  return attributes;
}

/**
 * Whether a user whose activity in one clock hour spans `b` was active at some instant of `[from, to)`, for a window
 * that holds the whole hour or cuts it at one end only (any window of an hour or more): cut at its start, the
 * hour's last instant decides; cut at its end, its first.
 */
export function activeWithin(b: Bounds, from: number, to: number): boolean {
  return (b.min >= from && b.min < to) || (b.max >= from && b.max < to);
}
