import { storedHourBounds } from "../ingest/hourBounds.js";
import { queryAll, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { summedCounterPages } from "../storage/counterItems.js";
import { readBucketCounts } from "../storage/monthCounters.js";
import { type ActivityMetric, counterItemLastSk, keys } from "../storage/tableDesign.js";
import { dayStart } from "../time.js";
import { type DayToRepair, REPAIR_ITEMS_PER_REQUEST, type RepairBudget, repairDays } from "./hourRepair.js";
import { countsOfItem, generationsOf, sourceOfDay } from "./hourSources.js";
import type { DayHourCounts, DayHours } from "./hours.js";
import type { DayCount } from "./responses.js";

/**
 * The dashboard's reads. All cost in proportion to what exists: the counter partition holds one item per month
 * that has data, so a 12-year range with data on three days returns ≤ three items; a day's set is read only for
 * those days (its members, with their hour bounds for hourly-data's one cut group). The hour counts hold one item
 * per day that has data (live or derived), so the activity-by-hour routes read ≤ one item per day with data, plus
 * one generation item per month, plus, once per generation of an old day that received late activity, its members
 * (hourRepair.ts: at most a budget of them per request, resumed by the retry).
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
 * The live hour-count items (`HC`, moved in the users' transactions for live days) of the days from `fromDay`
 * through `toDay` that have one, page by page: every read of them goes through here.
 */
export function liveHourCountPages(store: Store, environmentId: string, fromDay: string, toDay: string) {
  // A day's counts are its item's and its sub-items' (`{day}#{n}`, tableDesign.ts COUNTER_SUB_ITEMS), summed.
  return summedCounterPages(
    queryPages(store, {
      TableName: store.tables.activity,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": keys.hourCountsPk(environmentId),
        ":from": fromDay,
        ":to": counterItemLastSk(toDay),
      },
    }),
  );
}

/** Day → generation of the old days from `fromDay` through `toDay` (consistent: read before any member). */
async function hourGenerationsOfDays(store: Store, environmentId: string, fromDay: string, toDay: string) {
  const items = await queryAll(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: {
      ":pk": keys.hourGenerationsPk(environmentId),
      ":from": fromDay.slice(0, 7),
      ":to": toDay.slice(0, 7),
    },
    ConsistentRead: true,
  });
  const generations = generationsOf(items);
  for (const day of generations.keys()) if (day < fromDay || day > toDay) generations.delete(day);
  return generations;
}

/** Derived item of each day from `fromDay` through `toDay` that has one: its `derived_gen` and counts. */
async function derivedHourCounts(store: Store, environmentId: string, fromDay: string, toDay: string) {
  const items = await queryAll(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: { ":pk": keys.derivedHourCountsPk(environmentId), ":from": fromDay, ":to": toDay },
  });
  return new Map(items.map((item) => [item.sk as string, item]));
}

/**
 * The hour counts of the days from `fromDay` through `toDay` that have data, oldest first (hourSources.ts: a day
 * without a generation from its live `HC` item; an old day with one from its derived item, recomputed from its
 * members when its generation moved). Reads: the generation items (∝ months, first), the live items (∝ days with
 * data), and where some day has a generation, the derived items of those days and the members of each day to
 * recompute (once per generation; hourRepair.ts: ≤ `budget` members per request, else HoursBeingDerived, retryable,
 * after saving where each day stopped). `maxHours`: throws `TooManyHours` once more clock hours with users than that
 * were read. `now`: the reader's clock (which days are too recent to keep derived counts of).
 */
export async function hourCountsOfDays(
  store: Store,
  environmentId: string,
  fromDay: string,
  toDay: string,
  maxHours = Number.POSITIVE_INFINITY,
  now = Date.now(),
  budget: RepairBudget = { items: REPAIR_ITEMS_PER_REQUEST },
): Promise<DayHourCounts[]> {
  if (fromDay > toDay) return [];
  const generations = await hourGenerationsOfDays(store, environmentId, fromDay, toDay);
  const byDay = new Map<string, DayHourCounts>();
  let hoursRead = 0;
  const add = (counts: DayHourCounts) => {
    if (counts.hours.size === 0) return;
    hoursRead += counts.hours.size;
    if (hoursRead > maxHours) throw new TooManyHours();
    byDay.set(counts.day, counts);
  };
  for await (const page of liveHourCountPages(store, environmentId, fromDay, toDay)) {
    for (const item of page) {
      const day = item.sk as string;
      if (sourceOfDay(day, generations.get(day), undefined, now).kind === "live") add(countsOfItem(day, item));
    }
  }
  const generated = [...generations.keys()].filter((day) => (generations.get(day) ?? 0) > 0).sort();
  if (generated.length > 0) {
    const derived = await derivedHourCounts(store, environmentId, generated[0] as string, generated.at(-1) as string);
    const recompute: DayToRepair[] = [];
    for (const day of generated) {
      const item = derived.get(day);
      const source = sourceOfDay(day, generations.get(day), item?.derived_gen as number | undefined, now);
      if (source.kind === "derived" && item) add(countsOfItem(day, item));
      else if (source.kind === "recompute") recompute.push({ day, ...source, ...(item ? { derived: item } : {}) });
    }
    for (const c of await repairDays(store, environmentId, recompute, budget)) add(c);
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** A period with more clock hours with data than a request may answer. */
export class TooManyHours extends Error {
  constructor() {
    super("too many clock hours with data in the period");
  }
}
