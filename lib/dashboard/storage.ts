import { storedHourBounds } from "../ingest/hourBounds.js";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { readBucketCounts } from "../storage/monthCounters.js";
import { type ActivityMetric, keys } from "../storage/tableDesign.js";
import { dayStart } from "../time.js";
import type { DayHours } from "./hours.js";
import type { DayCount } from "./responses.js";

/**
 * The dashboard's reads. All cost in proportion to what exists: the counter partition holds one item per month
 * that has data, so a 12-year range with data on three days returns ≤ three items; a day's set is read only for
 * those days (its members, with their hour bounds for the activity-by-hour routes).
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
