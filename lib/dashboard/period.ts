import { DAY_MS, dayOf, dayStart } from "../time.js";

/**
 * The dashboard's period arithmetic (CONTRACT §4): a period is every UTC day from `start`'s day through `end`'s
 * day, inclusive; the days are `YYYY-MM-DD`, which sort lexically in time order (the counter partitions' sk).
 */
export interface DayPeriod {
  startDay: string;
  endDay: string;
  /** Number of days in the period; 0 when `start` is after `end` (an empty period). */
  days: number;
}

export function periodOf(startMs: number, endMs: number): DayPeriod {
  const startDay = dayOf(startMs);
  const endDay = dayOf(endMs);
  // `start` after `end` is an empty period, even within one day (CONTRACT §4): compared as instants, not days.
  const days = startMs > endMs ? 0 : Math.round((dayStart(endDay) - dayStart(startDay)) / DAY_MS) + 1;
  return { startDay, endDay, days };
}

/** The day `n` days after `day` (before it when `n` is negative). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** The same number of days just before the period (empty when the period is). */
export function previousPeriod(period: DayPeriod): DayPeriod {
  return {
    startDay: addDays(period.startDay, -period.days),
    endDay: addDays(period.startDay, -1),
    days: period.days,
  };
}

export function inPeriod(day: string, period: DayPeriod): boolean {
  return period.days > 0 && day >= period.startDay && day <= period.endDay;
}

/** Calendar parts of a day as the active-users entries carry them (`month` is 1–12). */
export function dayParts(day: string): { day: number; month: number; year: number } {
  const date = new Date(dayStart(day));
  return { day: date.getUTCDate(), month: date.getUTCMonth() + 1, year: date.getUTCFullYear() };
}

/** A day as the instant of its start (`2023-05-23T00:00:00.000Z`), as the new-users entries carry it. */
export function dayInstant(day: string): string {
  return new Date(dayStart(day)).toISOString();
}
