import { addDays, type DayPeriod, dayInstant, dayParts, inPeriod, previousPeriod } from "./period.js";

/** Response bodies of the dashboard routes (CONTRACT §4, exact), built from what storage returned. */

export interface ActiveDay {
  day: string;
  userIds: string[];
}

export interface ActiveUsersEntry {
  usersList: string[];
  users: number;
  day: number;
  month: number;
  year: number;
}

/** One entry per day that had active users, newest first. */
export function activeUsersBody(days: ActiveDay[]): { month: ActiveUsersEntry[]; success: true } {
  const month = days
    .filter((d) => d.userIds.length > 0)
    .sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0))
    .map((d) => ({ usersList: [...d.userIds], users: d.userIds.length, ...dayParts(d.day) }));
  return { month, success: true };
}

export interface DayCount {
  day: string;
  count: number;
}

export interface NewUsersBody {
  days: { day: string; users: number }[];
  period: { count: number; variation: number };
  yesterday: { count: number; variation: number };
  success: true;
}

/**
 * The new-users summary from the sign-up counts of the days that have any (C, P, Y, E of CONTRACT §4).
 * `counts` may hold days outside the ranges; only the relevant ones are summed.
 */
export function newUsersBody(counts: DayCount[], period: DayPeriod): NewUsersBody {
  const previous = previousPeriod(period);
  const yesterdayDay = addDays(period.endDay, -1);
  let current = 0;
  let before = 0;
  let yesterday = 0;
  let endDay = 0;
  const days: { day: string; users: number }[] = [];
  for (const { day, count } of counts) {
    if (count <= 0) continue;
    if (inPeriod(day, period)) {
      current += count;
      days.push({ day, users: count });
    }
    if (inPeriod(day, previous)) before += count;
    if (day === yesterdayDay) yesterday += count;
    if (day === period.endDay) endDay += count;
  }
  days.sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  return {
    days: days.map((d) => ({ day: dayInstant(d.day), users: d.users })),
    period: { count: current, variation: current - before },
    yesterday: { count: yesterday, variation: endDay - yesterday },
    success: true,
  };
}

const FIRST_DAY = "0000-01-01";

/** The day range one counter Query must cover for new-users: the previous period through `end`'s day. */
export function newUsersReadRange(period: DayPeriod): { fromDay: string; toDay: string } {
  const yesterdayDay = addDays(period.endDay, -1);
  const previousStart = previousPeriod(period).startDay;
  const fromDay = period.days > 0 && previousStart < yesterdayDay ? previousStart : yesterdayDay;
  // Days before year 0 have no `YYYY-MM-DD` name (and no data: nothing is stored before 1970).
  return { fromDay: fromDay < FIRST_DAY ? FIRST_DAY : fromDay, toDay: period.endDay };
}
