import { DAY_MS, dayOf, dayStart, isoWeekNumber, monthOf, startOfMonth, weekOf } from "../time.js";
import { queryAll } from "./batch.js";
import type { Store } from "./client.js";
import { type ActivityMetric, type Cadence, counterItemLastSk, counterItemSk, keys } from "./tableDesign.js";

/**
 * Bucket counts packed by month: the item `CNT` / `{YYYY-MM}` holds, for each metric (one letter: `u` active users,
 * `o` active orgs, `s` sign-ups, `c` orgs created), its count of each day of the month (`u05`), of each ISO week
 * (`uw45`, the part of that week's count moved by events on days of this month) and of the month (`u`). Four
 * metrics of a busy month are ≈ 150 numbers of ≈ 6 bytes: under 1 KB, so moving any of them costs one write unit
 * (two in a transaction). Within one month the ISO week numbers of its (≤ 6) weeks are distinct, even around the
 * new year, so the number names the week.
 */

const LETTER: Record<ActivityMetric, string> = { active_users: "u", active_orgs: "o", signups: "s", orgs_created: "c" };

/** The attribute of the month item of `at` counting `metric` in its `cadence` bucket. */
export function counterAttribute(metric: ActivityMetric, cadence: Cadence, at: number): string {
  const letter = LETTER[metric];
  if (cadence === "day") return `${letter}${dayOf(at).slice(8, 10)}`;
  if (cadence === "week") return `${letter}w${String(isoWeekNumber(at)).padStart(2, "0")}`;
  return letter;
}

/** The (≤ 6) weeks with a day in `month`, by ISO week number: week number → bucket id (its Monday). */
function weeksOfMonth(month: string): Map<string, string> {
  const weeks = new Map<string, string>();
  const start = startOfMonth(dayStart(`${month}-01`));
  for (let t = start; monthOf(t) === month; t += DAY_MS) {
    weeks.set(String(isoWeekNumber(t)).padStart(2, "0"), weekOf(t));
  }
  return weeks;
}

/**
 * The counts of `metric` in its `cadence` buckets `firstBucket`..`lastBucket` (bucket ids, inclusive), only those
 * with data: one range Query over the months they span, which hold items only for months with data.
 */
export async function readBucketCounts(
  store: Store,
  environmentId: string,
  metric: ActivityMetric,
  cadence: Cadence,
  firstBucket: string,
  lastBucket: string,
): Promise<Map<string, number>> {
  const firstMonth = firstBucket.slice(0, 7);
  // A week's count may have a part in the month of its Sunday.
  const lastMonth = cadence === "week" ? monthOf(dayStart(lastBucket) + 6 * DAY_MS) : lastBucket.slice(0, 7);
  const items = await queryAll<Record<string, unknown>>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
    // A month's counts are its item's and its sub-items' (`{month}#{n}`, tableDesign.ts), summed below.
    ExpressionAttributeValues: {
      ":pk": keys.monthCountersPk(environmentId),
      ":first": firstMonth,
      ":last": counterItemLastSk(lastMonth),
    },
  });
  const letter = LETTER[metric];
  const counts = new Map<string, number>();
  const add = (bucket: string, value: unknown) => {
    if (bucket < firstBucket || bucket > lastBucket || typeof value !== "number") return;
    counts.set(bucket, (counts.get(bucket) ?? 0) + value);
  };
  for (const item of items) {
    const month = counterItemSk(item.sk as string);
    if (cadence === "month") add(month, item[letter]);
    else if (cadence === "day") {
      for (let d = 1; d <= 31; d++) {
        const dd = String(d).padStart(2, "0");
        if (`${letter}${dd}` in item) add(`${month}-${dd}`, item[`${letter}${dd}`]);
      }
    } else for (const [ww, monday] of weeksOfMonth(month)) add(monday, item[`${letter}w${ww}`]);
  }
  // Buckets in time order, however the month's sub-items were returned.
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The month counter items holding day counts of `metric` as ingestion leaves them (`u05: 17`): for writers that seed a
 * tenant directly (the bench's big tenants, tests of big periods), so that nothing else knows the packing.
 */
export function dayCountItems(
  environmentId: string,
  metric: ActivityMetric,
  dayCounts: Iterable<[day: string, count: number]>,
): Record<string, unknown>[] {
  const months = new Map<string, Record<string, unknown>>();
  for (const [day, count] of dayCounts) {
    const at = dayStart(day);
    const month = monthOf(at);
    const item = months.get(month) ?? { ...keys.monthCounters(environmentId, month) };
    const attribute = counterAttribute(metric, "day", at);
    item[attribute] = Number(item[attribute] ?? 0) + count;
    months.set(month, item);
  }
  return [...months.values()];
}
