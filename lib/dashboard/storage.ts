import { groupCountAttribute, hourCountAttribute } from "../ingest/activeHours.js";
import { storedHourBounds } from "../ingest/hourBounds.js";
import { queryAll, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { readBucketCounts } from "../storage/monthCounters.js";
import { type ActivityMetric, keys } from "../storage/tableDesign.js";
import { dayStart } from "../time.js";
import type { DayHourCounts, DayHours } from "./hours.js";
import type { DayCount } from "./responses.js";

/**
 * The dashboard's reads. All cost in proportion to what exists: the counter partition holds one item per month
 * that has data, so a 12-year range with data on three days returns ≤ three items; a day's set is read only for
 * those days (its members, with their hour bounds for hourly-data's one cut group). The hour counters hold one item
 * per day that has data, so the activity-by-hour routes read ≤ one item per day with data.
 */

/** Day counters of `metric` from `fromDay` through `toDay` (inclusive), only the days that have data. */
export async function dayCounters(
  store: Store,
  environmentId: string,
  metric: ActivityMetric,
  fromDay: string,
  toDay: string,
): Promise<DayCount[]> {
  if (fromDay > toDay) return [];
  const counts = await readBucketCounts(store, environmentId, metric, "day", fromDay, toDay);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, count]) => ({ day, count }));
}

/** Ids of the users active on `day`. */
export async function activeUserIdsOfDay(store: Store, environmentId: string, day: string): Promise<string[]> {
  const items = await queryAll(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.activitySetPk(environmentId, "active_users", "day", day) },
    ProjectionExpression: "sk",
  });
  return items.map((item) => item.sk as string);
}

/** The users active on `day` with the bounds of their activity in each clock hour (lib/ingest/hourBounds.ts). */
export async function activeUserHoursOfDay(store: Store, environmentId: string, day: string): Promise<DayHours> {
  const items = await queryAll(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.activitySetPk(environmentId, "active_users", "day", day) },
  });
  const dayStartMs = dayStart(day);
  return {
    day,
    users: items.map((item) => ({ userId: item.sk as string, hours: storedHourBounds(item, dayStartMs) })),
  };
}

/**
 * The hour counters of the days from `fromDay` through `toDay` that have data (tableDesign.ts `HC`), oldest first:
 * one Query, one item per such day. `maxHours`: throws `TooManyHours` once more clock hours with users than that
 * were read (the read stops there).
 */
export async function hourCountsOfDays(
  store: Store,
  environmentId: string,
  fromDay: string,
  toDay: string,
  maxHours = Number.POSITIVE_INFINITY,
): Promise<DayHourCounts[]> {
  if (fromDay > toDay) return [];
  const out: DayHourCounts[] = [];
  let hoursRead = 0;
  for await (const page of queryPages(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: { ":pk": keys.hourCountsPk(environmentId), ":from": fromDay, ":to": toDay },
  })) {
    for (const item of page) {
      const hours = new Map<number, number>();
      const groups = new Map<number, number>();
      for (let hour = 0; hour < 24; hour++) {
        const users = item[hourCountAttribute(hour)];
        if (typeof users === "number" && users > 0) hours.set(hour, users);
        const group = item[groupCountAttribute(hour)];
        if (hour % 2 === 0 && typeof group === "number" && group > 0) groups.set(hour, group);
      }
      hoursRead += hours.size;
      if (hoursRead > maxHours) throw new TooManyHours();
      out.push({ day: item.sk as string, hours, groups });
    }
  }
  return out;
}

/** A period with more clock hours with data than a request may answer. */
export class TooManyHours extends Error {
  constructor() {
    super("too many clock hours with data in the period");
  }
}
