import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { compareSortKeys } from "../storage/indexShards.js";
import { GSI_BY_LAST_ACTIVE, keys } from "../storage/tableDesign.js";
import { hourOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { instantKey } from "./churnShards.js";
import { LOOKBACK_MS } from "./definitions.js";

/**
 * The user activity lists (champion 30/60/90, reengagement Weekly/Monthly) of a big tenant in two phases, so that no
 * worker holds more than a budget of users, whatever the tenant's size:
 *
 * | phase            | parts                                      | reads                                       | writes                              |
 * |------------------|--------------------------------------------|---------------------------------------------|-------------------------------------|
 * | plan             | (in planRun)                               | `E#{E}#LAH` hours of the 90-day look-back    | ranges of user ids, slice count     |
 * |                  |                                            |   (estimate); `byLastActive` samples (ids)  |                                     |
 * | tally (by range) | `user_activity` with `range`: ≤ budget     | the 91 day sets, only the range's ids       | per list its entries (score, id) in |
 * |                  |   users; over it, hands the rest on        |   (sk BETWEEN), read in id lockstep         |   rank order (activityTallies.ts)  |
 * | rows (by slice)  | `user_activity` with `slice` j of M, queued | every tally's index items; the items of     | slice j of every list: rows as a    |
 * |                  |   when every tally is counted              |   slice j's key range; its users' items     |   segment of its own (`s{j}`)       |
 *
 * Why:
 *  - *Ranges of user ids* are what the day sets are keyed by (sk = user id), so a tally part reads only its
 *    users' day items: 90 Queries whose cost is its range's, not the tenant's.
 *  - *Slices of the rank order*, not of ids: a list's order (score desc, id asc) mixes every range, so each tally
 *    writes its entries sorted and indexed, and slice j (the j-th M-quantile of the merged order, computed alike by
 *    every rows part from the counted tallies' indexes) takes from each tally only the items overlapping its key
 *    range. The slices' rows concatenated are exactly the unsharded ranking (the same `rank`), never held whole.
 *  - *Planned from the hour counters, corrected as computed.* Users active in the look-back have their last
 *    activity in it, so the hour counters from T − 90 days on bound the lists' sizes (the slice count M) and the
 *    tally parts needed; id boundaries come from a sample of the `byLastActive` index. A range holding more active
 *    users than its budget stops at the budget (ids in DynamoDB's order) and hands the rest on, as churn shards do.
 */

/**
 * Users one tally part holds, by the bench (`--users 30000,100000 --seed-above 5000`, 256 MB worker heap, a machine
 * at load ≈ 26 on 2 cores): a tally of 5,147 / 17,129 users took 11.9 / 21.0 s and 121 / 134 MiB, so 100,000 users
 * ≈ 84 s and ≈ 225 MiB.
 */
export const ACTIVITY_TALLY_USERS = 100_000;
/**
 * Rows of each list one rows part writes (its users' items read in steps of 1,000): 5,147 / 17,129 rows took
 * 9.0 / 41.9 s and 136 / 148 MiB, so 30,000 ≈ 77 s and ≈ 160 MiB.
 */
export const ACTIVITY_SLICE_ROWS = 30_000;
/** Parts of each phase when a run asks for small budgets (tests): enough to merge several, not hundreds. */
const TEST_PARTS_CAP = 4;
/** Ids read from the index per sample point. */
const SAMPLE_IDS = 50;
const MAX_SAMPLE_POINTS = 256;

/** A range of user ids in DynamoDB's (UTF-8 byte) order: [from, to); an absent end is open. */
export interface IdRange {
  from?: string;
  to?: string;
}

export interface ActivityPlan {
  ranges: IdRange[];
  /** M: rows parts, each one slice of every list. */
  slices: number;
  /** Users whose last activity is in the look-back (an upper bound of the lists' sizes). */
  estimate: number;
}

/** The segment id of slice j in a snapshot pointer (sorts ascending in rank order; churn shard ids are instants). */
export const sliceSegment = (slice: number): string => `s${String(slice).padStart(5, "0")}`;
export const isSliceSegment = (segment: string): boolean => segment.startsWith("s");

/** Compares ids as DynamoDB orders sort keys (indexShards.ts), not as JS does. */
export const compareIds = compareSortKeys;

/** Users whose last activity is in the look-back at T: the hour counters from T − 90 days on. */
async function activeUsersEstimate(store: Store, environmentId: string, time: number): Promise<number> {
  const hours = queryPages<{ count?: number }>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk >= :hour",
    ExpressionAttributeNames: { "#count": "count" },
    ExpressionAttributeValues: { ":pk": keys.lastActiveHoursPk(environmentId), ":hour": hourOf(time - LOOKBACK_MS) },
    ProjectionExpression: "#count",
  });
  let users = 0;
  for await (const page of hours) for (const { count } of page) users += Math.max(0, Number(count ?? 0));
  return users;
}

/** A sample of the active users' (orgs') ids: a few index keys at evenly spaced instants of the look-back. */
export async function sampleIds(
  store: Store,
  environmentId: string,
  time: number,
  points: number,
  kind: "U" | "O" = "U",
): Promise<string[]> {
  const ISO_LENGTH = 24;
  const from = time - LOOKBACK_MS;
  const step = LOOKBACK_MS / points;
  const pages = await mapLimit(
    Array.from({ length: points }, (_, k) => ({ at: instantKey(Math.floor(from + k * step)), k })),
    16,
    async ({ at, k }) => {
      // Any one shard of the index is a uniform sample of the ids (its partition is a hash of the id): one each.
      const pks = keys.lastActiveIndexPks(environmentId, kind);
      const page = await store.doc.send(
        new QueryCommand({
          TableName: store.tables.entities,
          IndexName: GSI_BY_LAST_ACTIVE,
          KeyConditionExpression: "gsi2pk = :pk AND gsi2sk >= :at",
          ExpressionAttributeValues: { ":pk": pks[k % pks.length], ":at": at },
          ProjectionExpression: "gsi2sk",
          Limit: SAMPLE_IDS,
        }),
      );
      return (page.Items ?? []).map((i) => (i.gsi2sk as string).slice(ISO_LENGTH + 1));
    },
  );
  return [...new Set(pages.flat())].sort(compareIds);
}

/** Cuts the id space into `parts` ranges of about equal sampled users (fewer when the sample has fewer ids). */
export function rangesOf(sortedIds: readonly string[], parts: number): IdRange[] {
  const bounds: string[] = [];
  for (let i = 1; i < parts; i++) {
    const id = sortedIds[Math.floor((i * sortedIds.length) / parts)];
    if (id !== undefined && (bounds.length === 0 || compareIds(id, bounds[bounds.length - 1] as string) > 0))
      bounds.push(id);
  }
  return [undefined, ...bounds].map((from, i) => ({
    ...(from === undefined ? {} : { from }),
    ...(bounds[i] === undefined ? {} : { to: bounds[i] }),
  }));
}

/** The tally ranges and slice count of a run at T; `rows` (tests) is both budgets, and caps the parts. */
export async function planUserActivity(
  store: Store,
  environmentId: string,
  time: number,
  rows?: number,
): Promise<ActivityPlan> {
  const estimate = await activeUsersEstimate(store, environmentId, time);
  const cap = rows === undefined ? Number.POSITIVE_INFINITY : TEST_PARTS_CAP;
  const tallies = Math.min(cap, Math.max(1, Math.ceil(estimate / (rows ?? ACTIVITY_TALLY_USERS))));
  const slices = Math.min(cap, Math.max(1, Math.ceil(estimate / (rows ?? ACTIVITY_SLICE_ROWS))));
  if (tallies === 1) return { ranges: [{}], slices, estimate };
  const ids = await sampleIds(store, environmentId, time, Math.min(MAX_SAMPLE_POINTS, 8 * tallies));
  return { ranges: rangesOf(ids, tallies), slices, estimate };
}

/** A range as a queued message carries it. */
export function isIdRange(value: unknown): value is IdRange {
  if (typeof value !== "object" || value === null) return false;
  const { from, to } = value as Record<string, unknown>;
  return (from === undefined || typeof from === "string") && (to === undefined || typeof to === "string");
}
