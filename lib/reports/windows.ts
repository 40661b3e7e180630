import { DAY_MS, dayStart } from "../time.js";
import type { DayActivity } from "./types.js";

/**
 * Deciding "active within [a, b)" exactly from day items that keep only the first and last activity of a day.
 *
 * A day fully inside the window had an activity inside it. The day holding `a` had one inside iff its last
 * activity is ≥ a; the day holding `b` iff its first is < b (a window ending at midnight holds none of the next
 * day, as `min_at ≥ b` there). This is exact only when `a` and `b` fall on different days: within one day, an
 * activity before `a` and one after `b` would not tell whether another lay between. Every report window is at
 * least 7 days long, so callers never hit that case, and `activeDaysWithin` refuses it.
 */
export function dayHasActivityWithin(item: DayActivity, a: number, b: number): boolean {
  const start = dayStart(item.day);
  const end = start + DAY_MS;
  if (end <= a || start >= b) return false;
  if (start >= a && end <= b) return true;
  if (start <= a && a < end) return item.max_at >= a;
  return item.min_at < b;
}

/** Number of distinct UTC days with an activity in `[a, b)` (the day items of one id, one item per day). */
export function activeDaysWithin(items: readonly DayActivity[], a: number, b: number): number {
  if (b - a < DAY_MS) throw new Error("windows shorter than a day cannot be decided from day items");
  let count = 0;
  for (const item of items) if (dayHasActivityWithin(item, a, b)) count++;
  return count;
}

export function activeWithin(items: readonly DayActivity[], a: number, b: number): boolean {
  return activeDaysWithin(items, a, b) > 0;
}
