import { activeWithin, type HourBounds } from "../ingest/hourBounds.js";
import { DAY_MS, dayOf, HOUR_MS, startOfDay } from "../time.js";

/**
 * The activity-by-hour bodies of the engagement dashboard (CONTRACT §10, exact), as pure functions of what the day
 * sets hold: each active user of a day with its hour bounds (lib/ingest/hourBounds.ts). A user is in a day's set
 * once, so counting the users of one clock hour over the members of its day counts each user once: per-hour counts
 * are distinct without any id being compared; a two-hour group of the 24 hours before `start` spans up to three
 * clock hours of two days, so there the ids are compared.
 *
 * | route (`…/engagement-dashboard/users/…`)     | from                                    | entries                          |
 * |----------------------------------------------|-----------------------------------------|----------------------------------|
 * | `users-by-time-of-the-day-in-a-week`          | members of the days of `start`…`end`    | clock hours with users, oldest   |
 * | `chat-busier/hourly-data`                     | members of the ≤ 2 days of the 24 h     | all 12 two-hour groups           |
 * | `chat-busier/weekly-data`                     | day counters of the 8 days              | all 8 days, zeros included       |
 */

/**
 * The most user-days an activity-by-hour answer may read (the day counters say how many before any set is read):
 * its answer is small, but each user-day is a set member read; a longer period is refused (400).
 */
export const MAX_HOUR_USER_DAYS = 1_000_000;

/** The users active on one day (any order, each once) with their hour bounds. */
export interface DayHours {
  day: string;
  users: { userId: string; hours: HourBounds }[];
}

export interface HourEntry {
  users: number;
  hour: number;
  day: number;
  month: number;
  year: number;
}

const parts = (ms: number) => {
  const d = new Date(ms);
  return { day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear() };
};

const hourStart = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * One entry per clock hour from `start`'s through `end`'s holding at least one active user, oldest first: the
 * distinct users active in it (an hour is counted whole, whatever minute `start` and `end` fall on).
 */
export function usersByHourBody(
  days: DayHours[],
  startMs: number,
  endMs: number,
): { week: HourEntry[]; success: true } {
  const first = hourStart(startMs);
  const last = hourStart(endMs);
  const counts = new Map<number, number>();
  for (const { day, users } of days) {
    const dayStartMs = Date.parse(`${day}T00:00:00.000Z`);
    for (const { hours } of users) {
      for (const hour of hours.keys()) {
        const at = dayStartMs + hour * HOUR_MS;
        if (at >= first && at <= last) counts.set(at, (counts.get(at) ?? 0) + 1);
      }
    }
  }
  const week = [...counts]
    .sort(([a], [b]) => a - b)
    .map(([at, users]) => ({ users, hour: new Date(at).getUTCHours(), ...parts(at) }));
  return { week, success: true };
}

/** The days whose members hourly-data reads: those of `[start − 24h, start)` (one or two). */
export function hourlyDataDays(startMs: number): string[] {
  const from = startMs - DAY_MS;
  const days = [dayOf(from)];
  if (startOfDay(startMs - 1) > startOfDay(from)) days.push(dayOf(startMs - 1));
  return days.filter((day) => day >= "1970-01-01");
}

/**
 * The 24 hours `[start − 24h, start)` in 12 groups of two clock hours by hour of day (group h: hours h and h + 1),
 * hour ascending: the distinct users active at some instant of the window within the group's hours.
 */
export function hourlyDataBody(
  days: DayHours[],
  startMs: number,
): { hours: { users: number; hour: number }[]; success: true } {
  const from = startMs - DAY_MS;
  const groups = Array.from({ length: 12 }, () => new Set<string>());
  for (const { day, users } of days) {
    const dayStartMs = Date.parse(`${day}T00:00:00.000Z`);
    for (const { userId, hours } of users) {
      for (const [hour, bounds] of hours) {
        const at = dayStartMs + hour * HOUR_MS;
        if (at + HOUR_MS <= from || at >= startMs || !activeWithin(bounds, from, startMs)) continue;
        groups[hour >> 1]?.add(userId);
      }
    }
  }
  return { hours: groups.map((users, i) => ({ users: users.size, hour: 2 * i })), success: true };
}

/** The 8 days of weekly-data: `start − 7 days`'s through `start`'s, oldest first, as day starts (ms). */
export function weeklyDataDays(startMs: number): number[] {
  const last = startOfDay(startMs);
  return Array.from({ length: 8 }, (_, k) => last - (7 - k) * DAY_MS);
}

/** Every day of weekly-data with its distinct active users (0 where the counters have none). */
export function weeklyDataBody(
  counts: ReadonlyMap<string, number>,
  startMs: number,
): { month: { users: number; day: number; month: number; year: number }[]; success: true } {
  const month = weeklyDataDays(startMs).map((at) => ({
    users: at >= 0 ? (counts.get(dayOf(at)) ?? 0) : 0,
    ...parts(at),
  }));
  return { month, success: true };
}
