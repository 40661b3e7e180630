import { GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { requireEnvironment } from "../auth/credentials.js";
import { ingestValidEvents } from "../ingest/ingest.js";
import { RANK_ROWS_ATTRIBUTE } from "../reports/rankChunks.js";
import type { Store } from "../storage/client.js";
import type { UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { eraseFromCurrentSnapshot, rewriteRows, rowNeedle } from "./snapshotErasure.js";

/**
 * Erasing a person (`user erase`, the right to erasure): every personal field of the user — email, username, first
 * and last name, profile, sign-up parameters — is removed from every item that holds it. Its anonymous traces
 * stay (activity sets and counters, invite and membership logs by id, so charts, the dashboard and report history
 * keep their counts). `user erase` ingests the event `user.erased` (its effect on the user item is ingestion's:
 * deleted as by `user.deleted`, personal fields dropped, pre-image included, never changed again), then clears
 * what ingestion cannot reach cheaply.
 *
 * | where the person's data is                    | how it is found                                    | cost                    |
 * |-----------------------------------------------|----------------------------------------------------|-------------------------|
 * | the user item, its pre-image (`prev_state`)   | the `user.erased` event, through ingestion         | one batch               |
 * |   and its bySignup GSI copy                   |   (the GSI follows the item)                       |                         |
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

export interface ErasureResult {
  user_id: string;
  erased: boolean;
  snapshot_rows: number;
  invites: number;
}

export class UnknownUserError extends Error {}

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
    ExpressionAttributeNames: { "#row": RANK_ROWS_ATTRIBUTE },
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
 * `user erase --environment ID --user-id U`: `user.erased` for the user, its rows in the current snapshot, then the
 * sweep of earlier snapshots and the invite logs. Running it again is harmless.
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
  // The event's own effect (ingestion): deleted, memberships ended, personal fields dropped from the user item.
  await ingestValidEvents(store, environmentId, [{ type: "user.erased", user_id: userId, at: now }], now);
  const current = await eraseFromCurrentSnapshot(store, environmentId, userId);
  const swept = await sweep(store, environmentId, userId, user.email);
  return { user_id: userId, erased: true, snapshot_rows: current + swept.snapshot_rows, invites: swept.invites };
}
