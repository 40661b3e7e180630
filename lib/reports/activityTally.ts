import { intervalMs } from "./definitions.js";
import type { DayActivity } from "./types.js";
import { dayHasActivityWithin } from "./windows.js";

/**
 * One subject's activity over the look-back of the activity reports, packed in one small integer so that a refresh
 * part holds ≈ 100 bytes per active user (its id and this number), not an object per user:
 *
 * | bits   | meaning                                                                  |
 * |--------|--------------------------------------------------------------------------|
 * | 0–6    | active days in the last 30 days (≤ 90 fits 7 bits)                       |
 * | 7–13   | active days in the last 60 days                                          |
 * | 14–20  | active days in the last 90 days                                          |
 * | 21, 22 | Weekly: active in the last period [T − 7 d, T), in the prior one         |
 * | 23, 24 | Monthly: active in the last period [T − 30 d, T), in the prior one       |
 *
 * Day items are one per subject and day, so counting a day once per item counts distinct days.
 */

export const WINDOW_DAYS = ["30", "60", "90"] as const;
export const REENGAGEMENT = ["Weekly", "Monthly"] as const;
const DAY_COUNT_BITS = 7;
const DAY_COUNT_MASK = (1 << DAY_COUNT_BITS) - 1;
const PERIOD_BASE = WINDOW_DAYS.length * DAY_COUNT_BITS;

const lastBit = (period: number) => 1 << (PERIOD_BASE + 2 * period);
const priorBit = (period: number) => 1 << (PERIOD_BASE + 2 * period + 1);

/** The tally after one more day item of the subject, at snapshot time T. */
export function tallyDay(tally: number, item: DayActivity, T: number, withDays: boolean): number {
  let next = tally;
  if (withDays)
    WINDOW_DAYS.forEach((n, i) => {
      if (dayHasActivityWithin(item, T - intervalMs(n), T)) next += 1 << (i * DAY_COUNT_BITS);
    });
  REENGAGEMENT.forEach((p, i) => {
    const n = intervalMs(p);
    if (dayHasActivityWithin(item, T - n, T)) next |= lastBit(i);
    if (dayHasActivityWithin(item, T - 2 * n, T - n)) next |= priorBit(i);
  });
  return next;
}

/** Active days in window `WINDOW_DAYS[window]`. */
export const activeDays = (tally: number, window: number): number =>
  (tally >> (window * DAY_COUNT_BITS)) & DAY_COUNT_MASK;

/** Active in the last period of `REENGAGEMENT[period]` and not in the one before (a reengagement candidate). */
export const returnedIn = (tally: number, period: number): boolean =>
  (tally & lastBit(period)) !== 0 && (tally & priorBit(period)) === 0;

/** The ids that returned in at least one reengagement period (the reengagement reports' candidates). */
export function returnedInAPeriod(tallies: ReadonlyMap<string, number>): string[] {
  const ids: string[] = [];
  for (const [id, tally] of tallies) if (REENGAGEMENT.some((_, i) => returnedIn(tally, i))) ids.push(id);
  return ids;
}
