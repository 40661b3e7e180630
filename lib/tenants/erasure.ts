import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { requireEnvironment } from "../auth/credentials.js";
import { ingestValidEvents } from "../ingest/ingest.js";
import { REPORTS } from "../reports/definitions.js";
import { ROW_ATTRIBUTE } from "../reports/snapshot.js";
import type { UserRow } from "../reports/types.js";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem, UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";

/**
 * Erasing a person (`user erase`, the right to erasure): every personal field of the user — email, username, first
 * and last name, profile, sign-up parameters — is removed from every item that holds it. Its anonymous traces
 * stay (activity sets and counters, invite and membership logs by id, so charts, the dashboard and report history
 * keep their counts), and the user is deleted first (CONTRACT §3), so later events about it change nothing.
 *
 * | where the person's data is                    | how it is found                                    | cost                    |
 * |-----------------------------------------------|----------------------------------------------------|-------------------------|
 * | the user item (and its bySignup GSI copy)     | GetItem / UpdateItem (the GSI follows the item)    | 2 requests              |
 * | rows of the current report snapshot           | Query of each user report of the current snapshot, | ∝ the user reports' rows|
 * |                                               | filtered on the user's id; matching rows rewritten |                         |
 * | rows of earlier snapshots (until their TTL)   | offline sweep: Scan of reports, filtered on the    | ∝ reports table         |
 * |   and invite-log items naming its email       |   environment's prefix and the user; activity on   | + activity table        |
 * |                                               |   the environment's invite partitions and the email|                         |
 *
 * The sweep is a Scan because those items are reachable by no key: earlier snapshots' ids are not recorded once
 * the pointer moves on, and an invite is filed under the day it was sent with the *invitee's* email, which no key
 * names. It runs only in the offline admin command, never on a request path.
 */

export const PERSONAL_FIELDS = ["username", "email", "first_name", "last_name"] as const;

export interface ErasureResult {
  user_id: string;
  erased: boolean;
  snapshot_rows: number;
  invites: number;
}

export class UnknownUserError extends Error {}

/** The user item with its personal fields removed (kept as null / empty, the shapes readers expect). */
async function scrubUserItem(store: Store, environmentId: string, userId: string, now: number): Promise<void> {
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tables.entities,
      Key: keys.user(environmentId, userId),
      UpdateExpression:
        "SET username = :null, email = :null, first_name = :null, last_name = :null, profile = :empty, " +
        "signup_query_parameters = :empty, erased_at = :now, #version = #version + :one",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":null": null, ":empty": {}, ":now": now, ":one": 1 },
    }),
  );
}

/** A user row without the person's fields. */
export function erasedRow(row: UserRow): UserRow {
  return { ...row, username: null, first_name: null, last_name: null, email: null };
}

const rowNeedle = (userId: string) => JSON.stringify({ user_id: userId }).slice(1, -1);

/**
 * The current snapshot's rows of the user, rewritten without its personal fields. Kept in this one function so a
 * change of the snapshot layout (lib/reports) changes only this.
 */
export async function eraseFromCurrentSnapshot(store: Store, environmentId: string, userId: string): Promise<number> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId), ConsistentRead: true }),
  );
  const pointer = got.Item as CurrentReportItem | undefined;
  if (!pointer) return 0;
  let rewritten = 0;
  for (const { name, subject, intervals } of REPORTS) {
    if (subject !== "user") continue;
    for (const interval of intervals) {
      const rows = await queryAll<Record<string, unknown>>(store, {
        TableName: store.tables.reports,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "contains(#row, :needle)",
        ExpressionAttributeNames: { "#row": ROW_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":pk": keys.reportRowsPk(environmentId, pointer.report_id, name, interval),
          ":needle": rowNeedle(userId),
        },
      });
      rewritten += await rewriteRows(store, rows, userId);
    }
  }
  return rewritten;
}

async function rewriteRows(store: Store, items: Record<string, unknown>[], userId: string): Promise<number> {
  let rewritten = 0;
  for (const item of items) {
    const row = JSON.parse(item[ROW_ATTRIBUTE] as string) as UserRow;
    if (row.user_id !== userId || PERSONAL_FIELDS.every((field) => row[field] === null)) continue;
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.reports,
        Item: { ...item, [ROW_ATTRIBUTE]: JSON.stringify(erasedRow(row)) },
      }),
    );
    rewritten += 1;
  }
  return rewritten;
}

async function* scanPages(store: Store, input: ConstructorParameters<typeof ScanCommand>[0]) {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(new ScanCommand({ ...input, ExclusiveStartKey }));
    yield (page.Items ?? []) as Record<string, unknown>[];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** The offline sweep: earlier snapshots' rows of the user, and invite-log items that hold its email. */
async function sweep(
  store: Store,
  environmentId: string,
  userId: string,
  email: string | null,
): Promise<{ snapshot_rows: number; invites: number }> {
  let snapshotRows = 0;
  for await (const items of scanPages(store, {
    TableName: store.tables.reports,
    FilterExpression: "begins_with(pk, :prefix) AND contains(#row, :needle)",
    ExpressionAttributeNames: { "#row": ROW_ATTRIBUTE },
    ExpressionAttributeValues: {
      ":prefix": `${keys.environmentPartitionPrefix(environmentId)}R#`,
      ":needle": rowNeedle(userId),
    },
  })) {
    snapshotRows += await rewriteRows(store, items, userId);
  }
  let invites = 0;
  if (email) {
    for await (const items of scanPages(store, {
      TableName: store.tables.activity,
      FilterExpression: "begins_with(pk, :prefix) AND invitee_email = :email",
      ExpressionAttributeValues: {
        ":prefix": `${keys.environmentPartitionPrefix(environmentId)}INV#`,
        ":email": email,
      },
    })) {
      for (const item of items) {
        await store.doc.send(
          new UpdateCommand({
            TableName: store.tables.activity,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: "SET invitee_email = :erased",
            ExpressionAttributeValues: { ":erased": null },
          }),
        );
        invites += 1;
      }
    }
  }
  return { snapshot_rows: snapshotRows, invites };
}

/**
 * `user erase --environment ID --user-id U`: deletes the user (if it is not already), removes its personal fields
 * from its item and from the current snapshot at once, then sweeps earlier snapshots and the invite logs.
 */
export async function eraseUser(
  store: Store,
  environmentId: string,
  userId: string,
  now = Date.now(),
): Promise<ErasureResult> {
  await requireEnvironment(store, environmentId);
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.user(environmentId, userId), ConsistentRead: true }),
  );
  const user = got.Item as UserItem | undefined;
  if (!user) throw new UnknownUserError(`unknown user ${userId} in environment ${environmentId}`);
  // Deleting first ends its memberships and counts as CONTRACT §3 says; afterwards events change nothing.
  if (user.deleted_at === undefined) {
    await ingestValidEvents(store, environmentId, [{ type: "user.deleted", user_id: userId, at: now }], now);
  }
  await scrubUserItem(store, environmentId, userId, now);
  const current = await eraseFromCurrentSnapshot(store, environmentId, userId);
  const swept = await sweep(store, environmentId, userId, user.email);
  return { user_id: userId, erased: true, snapshot_rows: current + swept.snapshot_rows, invites: swept.invites };
}
