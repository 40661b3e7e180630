import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { GSI_BY_LAST_ACTIVE, keys } from "../storage/tableDesign.js";
import { type ChurnShard, churnUpperBound, instantKey } from "./churnShards.js";

/**
 * The org churn shards a run starts with: parallel ranges of the `byLastActive` `LA#O` order instead of one range
 * that chains its rests one after another (at 10M users, ≈ 50 shards of 10,000 orgs: 50 × 12 s in a row).
 *
 * | reads                                                     | result                                             |
 * |-----------------------------------------------------------|----------------------------------------------------|
 * | activity `E#{E}#LAH` (every hour with users: a count each) | the tenant's users, hence K = ⌈users / 100,000⌉    |
 * | `LA#O` oldest key (Query, Limit 1)                        | K ranges of equal time from it to T − 7 d          |
 *
 * Why: orgs have no hour counters, but are fewer than users (an org has members), so K ranges of a tenant with
 * `users` users each start near or under their budget; ranges of equal time are a guess at how they spread, and
 * whatever a range holds beyond its budget it chains on as before (churnShards.ts): a bad guess costs time, never
 * memory. Boundaries are bare instants, so a tie group is never cut in two; a small tenant keeps one range.
 */

/** Users of a tenant per planned org churn range. */
export const USERS_PER_ORG_CHURN_RANGE = 100_000;
const MAX_RANGES = 16;

/** The tenant's current users: the last-activity hour counters summed. */
export async function currentUsers(store: Store, environmentId: string): Promise<number> {
  const hours = queryPages<{ count?: number }>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeNames: { "#count": "count" },
    ExpressionAttributeValues: { ":pk": keys.lastActiveHoursPk(environmentId) },
    ProjectionExpression: "#count",
  });
  let users = 0;
  for await (const page of hours) for (const { count } of page) users += Math.max(0, Number(count ?? 0));
  return users;
}

/** The org churn shards at T, newest range first (ids: their upper bounds, distinct). */
export async function planOrgChurnShards(
  store: Store,
  environmentId: string,
  time: number,
  usersPerRange = USERS_PER_ORG_CHURN_RANGE,
): Promise<ChurnShard[]> {
  const upper = churnUpperBound(time);
  const ranges = Math.min(MAX_RANGES, Math.ceil((await currentUsers(store, environmentId)) / usersPerRange));
  if (ranges <= 1) return [{ to: upper }];
  const oldest = await store.doc.send(
    new QueryCommand({
      TableName: store.tables.entities,
      IndexName: GSI_BY_LAST_ACTIVE,
      KeyConditionExpression: "gsi2pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.lastActiveIndexPks(environmentId, "O")[0] },
      ProjectionExpression: "gsi2sk",
      Limit: 1,
    }),
  );
  const first = oldest.Items?.[0]?.gsi2sk as string | undefined;
  const from = first === undefined ? Number.NaN : Date.parse(first.slice(0, 24));
  const to = Date.parse(upper);
  if (!(from < to)) return [{ to: upper }];
  const bounds: string[] = [];
  for (let k = ranges - 1; k >= 1; k--) {
    const bound = instantKey(Math.floor(from + ((to - from) * k) / ranges));
    if (bound !== bounds[bounds.length - 1] && bound < upper) bounds.push(bound);
  }
  // Newest first: [b1, upper), [b2, b1), …, [start, b_last).
  const shards: ChurnShard[] = [];
  let top = upper;
  for (const bound of bounds) {
    shards.push({ from: bound, to: top });
    top = bound;
  }
  shards.push({ to: top });
  return shards;
}
