import { queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { counterItemTotals } from "../storage/counterItems.js";
import { counterItemLastSk, keys } from "../storage/tableDesign.js";
import { hourOf } from "../time.js";
import { intervalMs } from "./definitions.js";

/**
 * Churn lists in shards: how a churn list too big for one worker is cut into ranges of the `byLastActive` order,
 * each computed by its own refresh part (refreshParts.ts `churn`) and stored as its own run of chunks
 * (rankChunks.ts), the pointer listing them in rank order.
 *
 * | step                       | reads                                                       | result                                |
 * |----------------------------|-------------------------------------------------------------|---------------------------------------|
 * | plan the user churn shards | activity `E#{E}#LAH` hours up to T − 7 d, newest first      | ranges of ≤ `rows` users each (a      |
 * |                            |   (one small counter item per hour with users: ≤ 8,760/yr)  |   single hour over it: that hour)     |
 * | plan the org churn shards  | orgChurnPlan.ts: the tenant's users, the oldest `LA#O` key   | ≤ 16 ranges of equal time (1: small)  |
 * | a shard over its budget    | nothing more: it stops after the tie group that reaches it  | the rest `[from, split)` as a new part|
 *
 * Why:
 *  - *Ranges of the index order.* A churn list *is* the `byLastActive` order read newest first (ties by id), so a
 *    range of it is a range of ranks: shards are computed independently and concatenated, never merged.
 *  - *Boundaries are bare instants* (`2026-01-01T05:00:00.000Z`): index keys are `{ISO}#{id}`, so a bare instant
 *    sorts before every key of that millisecond and a tie group is never cut in two (its order is by id).
 *  - *Planned from the hour counters, corrected as computed.* The per-hour last-activity counters (kept exact by
 *    ingestion for `days=N`) give the users' distribution for free, so user shards start balanced and run in
 *    parallel; orgs have no such histogram and start as ranges of equal time (orgChurnPlan.ts). Whatever the plan, a shard that reaches its row
 *    budget stops at the next tie boundary and hands the rest on as a new part: no worker ever computes more than
 *    its budget (plus one tie group), so a worker's time and memory are bounded whatever the tenant's size.
 */

/**
 * Rows one churn worker computes, by the bench (`npm run bench`, bench/results.json): a shard of 25,000 users took
 * ≈ 6 s and ≈ 140 MiB; org rows cost more each (a member COUNT per org), hence fewer.
 */
export const CHURN_SHARD_ROWS = { U: 25_000, O: 10_000 } as const;

export type ChurnKind = keyof typeof CHURN_SHARD_ROWS;

/** A range of the `byLastActive` order: index keys in [from, to); `from` absent = from the oldest. */
export interface ChurnShard {
  from?: string;
  to: string;
}

export const instantKey = (ms: number): string => new Date(ms).toISOString();

/** The whole churn range at T: every index key before T − 7 days (the 7-day list; 14 and 30 are its tails). */
export function churnUpperBound(time: number): string {
  return instantKey(time - intervalMs("7"));
}

/** The user churn shards at T: whole hours of last activity, newest first, as many as fit in `rows` users each. */
export async function planUserChurnShards(
  store: Store,
  environmentId: string,
  time: number,
  rows: number,
): Promise<ChurnShard[]> {
  const upper = churnUpperBound(time);
  // Hours up to the one holding T − 7 d (its users after T − 7 d are counted too: a shard errs on the small side).
  const hours = queryPages<{ sk: string; count?: number }>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk <= :hour",
    ExpressionAttributeNames: { "#count": "count" },
    ExpressionAttributeValues: {
      ":pk": keys.lastActiveHoursPk(environmentId),
      ":hour": counterItemLastSk(hourOf(Date.parse(upper))),
    },
    ProjectionExpression: "sk, #count",
    ScanIndexForward: false,
  });
  const shards: ChurnShard[] = [];
  let to = upper;
  let users = 0;
  let oldestHour: string | undefined;
  // An hour's counter is the sum of its sub-items (counterItems.ts).
  for await (const { sk, count } of counterItemTotals(hours)) {
    const n = count;
    const start = `${sk}:00:00.000Z`;
    // T − 7 d on the hour: that hour is wholly after the range. Each shard is non-empty as a range, and its upper
    // bound (its id in the run) is distinct from every other shard's.
    if (n <= 0 || start >= upper) continue;
    // This hour would take the shard over its budget: the shard ends with the hour before (newer).
    if (oldestHour !== undefined && users > 0 && users + n > rows) {
      shards.push({ from: oldestHour, to });
      to = oldestHour;
      users = 0;
    }
    users += n;
    oldestHour = start;
  }
  // The oldest range runs from the start of the index.
  shards.push({ to });
  return shards;
}

/** The index key condition of a shard's range (values `:pk`, `:from`, `:to`). */
export function shardKeyCondition(shard: ChurnShard): { condition: string; values: Record<string, string> } {
  // BETWEEN is inclusive, but no index key equals a bare instant: [from, to] holds exactly the keys in [from, to).
  if (shard.from === undefined) return { condition: "gsi2pk = :pk AND gsi2sk < :to", values: { ":to": shard.to } };
  return {
    condition: "gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to",
    values: { ":from": shard.from, ":to": shard.to },
  };
}

/** A shard as a queued message carries it. */
export function isChurnShard(value: unknown): value is ChurnShard {
  if (typeof value !== "object" || value === null) return false;
  const { from, to } = value as Record<string, unknown>;
  return typeof to === "string" && (from === undefined || typeof from === "string");
}
