import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll, queryAll, queryCount } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { StoredUser } from "../storage/currentUser.js";
import { mergedQueryFirst } from "../storage/indexShards.js";
import { GSI_BY_LAST_ACTIVE, GSI_BY_SIGNUP, keys } from "../storage/tableDesign.js";
import { withProfiles } from "../storage/userProfile.js";
import { HOUR_MS, hourOf } from "../time.js";

/**
 * The users family's reads: one GetItem per user, and Queries on the sparse GSIs (deleted users carry no index
 * keys) whose cost follows the page or the count, never the tenant's size.
 */

/** The user's position in the sign-up index. */
export function signupSortKey(environmentId: string, user: StoredUser): string {
  return user.gsi1sk ?? keys.signupIndex(environmentId, user.created_at, user.user_id).gsi1sk;
}

/**
 * The users of `indexKeys` (rows of a keys-only index), in that order, with their profiles: one BatchGet per 100. A user deleted since
 * the index row was read (the index trails its table) carries no index keys any more and is left out, as the index
 * itself would soon leave it out.
 */
export async function usersOfIndexRows(
  store: Store,
  indexKeys: { pk: string; sk: string }[],
  indexKey: "gsi1pk" | "gsi2pk",
): Promise<StoredUser[]> {
  const items = await batchGetAll<StoredUser & { pk: string; gsi1pk?: string; gsi2pk?: string }>(
    store,
    store.tables.entities,
    indexKeys.map(({ pk, sk }) => ({ pk, sk })),
  );
  const byPk = new Map(items.map((item) => [item.pk, item]));
  const listed = indexKeys.flatMap(({ pk }) => {
    const item = byPk.get(pk);
    return item?.[indexKey] !== undefined ? [item] : [];
  });
  // The page's users whose profile is apart (userProfile.ts): one more BatchGet of those only.
  return withProfiles(store, listed);
}

/**
 * Up to `take` users in sign-up order strictly after `afterSk` (`forward`) or strictly before `beforeSk`, nearest
 * first (`backward`). Pages on until `take` rows are read, since one Query response stops at 1 MB. The index holds
 * keys only (a user's write then never rewrites its index copy, tableDesign.ts), so the page's users are one
 * BatchGet: the cost still follows the page.
 */
export async function readSignupIndex(
  store: Store,
  environmentId: string,
  from: { forward: true; afterSk?: string } | { forward: false; beforeSk: string },
  take: number,
): Promise<StoredUser[]> {
  const values: Record<string, string> = {};
  let condition = "gsi1pk = :pk";
  if (from.forward && from.afterSk !== undefined) {
    condition += " AND gsi1sk > :sk";
    values[":sk"] = from.afterSk;
  } else if (!from.forward) {
    condition += " AND gsi1sk < :sk";
    values[":sk"] = from.beforeSk;
  }
  // The index's shards (tableDesign.ts) merged into sign-up order, each read up to the page's size.
  const rows = await mergedQueryFirst<{ pk: string; sk: string }>(
    store,
    {
      TableName: store.tables.entities,
      IndexName: GSI_BY_SIGNUP,
      KeyConditionExpression: condition,
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      ScanIndexForward: from.forward,
    },
    keys.signupIndexPks(environmentId),
    "gsi1sk",
    take,
  );
  return usersOfIndexRows(store, rows, "gsi1pk");
}

/** Number of users that exist now (the counter ingestion maintains). */
export async function currentUserCount(store: Store, environmentId: string): Promise<number> {
  // The counter item and its sub-items (tableDesign.ts COUNTER_SUB_ITEMS): a few tiny items, one Query.
  const { pk, sk } = keys.userCount(environmentId);
  const items = await queryAll<{ count?: number }>(store, {
    TableName: store.tables.entities,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
    ExpressionAttributeValues: { ":pk": pk, ":sk": sk },
  });
  return items.reduce((sum, item) => sum + Number(item.count ?? 0), 0);
}

/**
 * Number of current users whose latest activity is at or after `sinceMs`: the hour counters ingestion maintains for
 * the whole hours from the first hour boundary on (one Query, ≤ N·24 small items whatever the tenant's size), plus
 * an exact count from the last-activity index of the users in the partial hour before it (∝ that hour's users).
 */
export async function countUsersActiveSince(store: Store, environmentId: string, sinceMs: number): Promise<number> {
  const firstWholeHour = Math.ceil(sinceMs / HOUR_MS) * HOUR_MS;
  const [partialHour, counters] = await Promise.all([
    firstWholeHour > sinceMs ? countIndexBetween(store, environmentId, sinceMs, firstWholeHour - 1) : 0,
    queryAll<{ count?: number }>(store, {
      TableName: store.tables.activity,
      KeyConditionExpression: "pk = :pk AND sk >= :hour",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":pk": keys.lastActiveHoursPk(environmentId), ":hour": hourOf(firstWholeHour) },
      ProjectionExpression: "#count",
    }),
  ]);
  return partialHour + counters.reduce((sum, item) => sum + Number(item.count ?? 0), 0);
}

/** Current users whose latest activity is in [fromMs, toMs] (both inclusive), from the index (keys only, COUNT). */
async function countIndexBetween(store: Store, environmentId: string, fromMs: number, toMs: number): Promise<number> {
  // One COUNT per shard of the index (tableDesign.ts), summed: a count needs no merge.
  const counts = await Promise.all(
    keys.lastActiveIndexPks(environmentId, "U").map((pk) =>
      queryCount(store, {
        TableName: store.tables.entities,
        IndexName: GSI_BY_LAST_ACTIVE,
        KeyConditionExpression: "gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": pk,
          ":from": new Date(fromMs).toISOString(),
          // Index keys are `{ISO}#{id}`: every id of the last millisecond sorts before `{ISO}#\uffff`.
          ":to": `${new Date(toMs).toISOString()}#\uffff`,
        },
      }),
    ),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}
