import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { activeDayStarts } from "../ingest/activeDays.js";
import { storedHourBounds } from "../ingest/hourBounds.js";
import type { ActivitySetItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { dayOf, dayStart } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { PartContext } from "./refreshParts.js";

/**
 * Last activity *as of T* (CONTRACT §6: who is in a report, its order and `last_active_at` are as of T) for users
 * and orgs active again after T: an event with `occurred_at` up to 5 minutes ahead, one ingested while the refresh
 * runs, or any later one when `refresh --now` names an earlier instant. Their item holds only the latest activity;
 * what they did up to T is in their calendar of active days (activeDays.ts) and that day's member of the day set
 * (its first and last instant, and for users the first and last of each clock hour).
 *
 * | step                                       | reads                                          |
 * |--------------------------------------------|------------------------------------------------|
 * | the latest active day up to T's day        | the item's calendar (in memory)                |
 * | that day's first / last instant            | 1 GetItem of the day member (a second when     |
 * |                                            |   T's day holds only activity after T)         |
 *
 * Exact unless T's day has activity both before and after T in T's own clock hour (users) or anywhere in the day
 * (orgs, whose members keep no hour bounds): then the latest instant up to T is known to lie in [the hour's (day's)
 * first instant, T], and that first instant is taken. A churn list is exact either way (such an entity was active
 * within the day before T); only a reengagement order or a row's `last_active_at` can be early by less than that.
 */

interface Active {
  user_id?: string;
  org_id?: string;
  created_at: number;
  last_active_at: number;
  active_days?: Record<string, string>;
}

/** The latest instant ≤ T of a day member (T falls on its day or later); undefined when it has none. */
export function latestUpTo(member: ActivitySetItem, T: number, hourBounds: boolean): number | undefined {
  if (member.max_at <= T) return member.max_at;
  if (member.min_at > T) return undefined;
  if (!hourBounds) return member.min_at;
  // The member's day holds T (it starts by T and ends after it); its hour bounds are offsets within their hour.
  let latest: number | undefined;
  for (const { min, max } of storedHourBounds(
    member as unknown as Record<string, unknown>,
    dayStart(dayOf(T)),
  ).values()) {
    const candidate = max <= T ? max : min <= T ? min : undefined;
    if (candidate !== undefined && (latest === undefined || candidate > latest)) latest = candidate;
  }
  return latest ?? member.min_at;
}

/**
 * Sets `last_active_at` of each item active after T to its last activity as of T (in place; items of entities that
 * did not exist at T are left as they are: no report lists them).
 */
export async function lastActiveAsOf<T extends Active>(ctx: PartContext, kind: "U" | "O", items: T[]): Promise<void> {
  const T = ctx.time;
  const late = items.filter((item) => item.last_active_at > T && item.created_at <= T);
  await mapLimit(late, 16, async (item) => {
    const id = (kind === "U" ? item.user_id : item.org_id) as string;
    // Newest first, up to T's day (activity may precede the sign-up an event moved later: no lower bound).
    const days = activeDayStarts(item.active_days, Number.NEGATIVE_INFINITY, T + 1).reverse();
    for (const day of days) {
      const { Item } = await ctx.store.doc.send(
        new GetCommand({
          TableName: ctx.store.tables.activity,
          Key: keys.activitySet(
            ctx.environmentId,
            kind === "U" ? "active_users" : "active_orgs",
            "day",
            dayOf(day),
            id,
          ),
          ConsistentRead: true,
        }),
      );
      const latest = Item && latestUpTo(Item as ActivitySetItem, T, kind === "U");
      if (latest !== undefined) {
        item.last_active_at = latest;
        return;
      }
    }
    // Its sign-up (creation) is activity, and was at T at the latest.
    item.last_active_at = item.created_at;
  });
}
