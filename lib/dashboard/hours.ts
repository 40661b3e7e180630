import { activeWithin, type HourBounds } from "../ingest/hourBounds.js";
import { DAY_MS, dayOf, HOUR_MS, startOfDay } from "../time.js";

/**
 * The activity-by-hour bodies of the engagement dashboard (CONTRACT §10, exact), as pure functions of what storage
 * holds: the hour counters of each day with data (distinct users per clock hour and per two-hour group of the day,
 * moved by ingestion from each user's hour calendar while the day is live, lib/ingest/activeHours.ts, or derived
 * from the day's members once it received activity as an old day, hourSources.ts), and for hourly-data's one group
 * that a window not on an even hour cuts, the day set members with their hour bounds (lib/ingest/hourBounds.ts).
 *
 * | route (`…/engagement-dashboard/users/…`)     | from                                    | entries                          |
 * |----------------------------------------------|-----------------------------------------|----------------------------------|
 * | `users-by-time-of-the-day-in-a-week`          | hour counters of the days with data     | clock hours with users, oldest   |
 * | `chat-busier/hourly-data`, start on an even   | hour counters of the ≤ 2 days: every    | all 12 two-hour groups           |
 * |   hour                                        |   group is whole within one day         |                                  |
 * | `chat-busier/hourly-data`, any other start    | members of the ≤ 2 days of the 24 h     | all 12 two-hour groups           |
 * | `chat-busier/weekly-data`                     | day counters of the 8 days              | all 8 days, zeros included       |
 *
 * Why hourly-data still reads members when `start` is not on an even hour: one group then holds a part of an hour
 * (the window cuts it at an instant) or hours of two days (yesterday's 11:00–12:00 and today's 10:00–11:00); a
 * distinct count of such a union is no sum of counters, so that group compares ids (cost ∝ the users of ≤ 2 days).
 */

/** The most clock hours with users users-by-time answers (≈ 11 years of every hour); a longer period is refused. */
export const MAX_HOUR_ENTRIES = 100_000;

/** One day's hour counters: clock hour (0–23) → distinct users; even hour h → distinct users of hours h, h + 1. */
export interface DayHourCounts {
  day: string;
  hours: ReadonlyMap<number, number>;
  groups: ReadonlyMap<number, number>;
}

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
  days: DayHourCounts[],
  startMs: number,
  endMs: number,
): { week: HourEntry[]; success: true } {
  const first = hourStart(startMs);
  const last = hourStart(endMs);
  const counts = new Map<number, number>();
  for (const { day, hours } of days) {
    const dayStartMs = Date.parse(`${day}T00:00:00.000Z`);
    for (const [hour, users] of hours) {
      const at = dayStartMs + hour * HOUR_MS;
      if (at >= first && at <= last && users > 0) counts.set(at, users);
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

/** Whether every group of hourly-data's window is whole within one day: `start` on an even UTC hour. */
export const hourlyDataFromCounters = (startMs: number) => startMs % (2 * HOUR_MS) === 0;

/**
 * hourly-data for a `start` on an even hour (hourlyDataFromCounters): group h ≥ start's hour is yesterday's whole
 * group, any other today's, so each is one counter.
 */
export function hourlyDataBodyFromCounts(
  days: DayHourCounts[],
  startMs: number,
): { hours: { users: number; hour: number }[]; success: true } {
  const today = dayOf(startMs);
  const yesterday = dayOf(startMs - DAY_MS);
  const startHour = new Date(startMs).getUTCHours();
  const groupsOf = (day: string) => days.find((d) => d.day === day)?.groups;
  const hours = Array.from({ length: 12 }, (_, i) => {
    const hour = 2 * i;
    return { users: groupsOf(hour >= startHour ? yesterday : today)?.get(hour) ?? 0, hour };
  });
  return { hours, success: true };
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
