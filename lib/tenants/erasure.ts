import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { requireEnvironment } from "../auth/credentials.js";
import { ingestValidEvents } from "../ingest/ingest.js";
import { RANK_ROWS_ATTRIBUTE } from "../reports/rankChunks.js";
import type { Store } from "../storage/client.js";
import type { UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { runErasureJob } from "./erasureJob.js";
import { rewriteRows, rowNeedle } from "./snapshotErasure.js";

/**
 * Erasing a person (`user erase`, the right to erasure): every personal field of the user — every email it ever had,
 * username, first and last name, profile, sign-up parameters — is removed from every item that holds it. Its
 * anonymous traces stay (activity sets and counters, invite and membership logs by id, so charts, the dashboard and
 * report history keep their counts). `user erase` ingests the event `user.erased` (its effect on the user item is
 * ingestion's: deleted as by `user.deleted`, personal fields dropped, pre-image included, never changed again; its
 * batch records the erasure job), runs the erasure job at once (erasureJob.ts), then sweeps what no key reaches.
 *
 * | where the person's data is                    | how it is found                                    | cost                    |
 * |-----------------------------------------------|----------------------------------------------------|-------------------------|
 * | the user item, its pre-image (`prev_state`)   | the `user.erased` event, through ingestion         | one batch               |
 * |   and its bySignup GSI copy                   |   (the GSI follows the item)                       |                         |
 * | invite-log items naming any of its emails     | the job: Query `INVTO#{hash}` per email it had     | ∝ those invites         |
 * | rows of the current report snapshot           | the job: its user-report chunks, page by page      | ∝ the user reports' rows|
 * | rows of earlier snapshots (until their TTL)   | offline sweep: Scan of reports, filtered on the    | ∝ reports table         |
 * |                                               |   environment's prefix and the user                |                         |
 *
 * The sweep is a Scan because earlier snapshots' ids are not recorded once the pointer moves on. It runs only in
 * the offline admin command, never on a request path; the same job queued by the event leaves those rows to their
 * TTL (7 days).
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

/** The offline sweep: earlier snapshots' rows of the user. */
async function sweepSnapshots(store: Store, environmentId: string, userId: string): Promise<number> {
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
  return snapshotRows;
}

/**
 * `user erase --environment ID --user-id U`: `user.erased` for the user, its rows in the current snapshot, then the
 * job (invites, current snapshot), then the sweep of earlier snapshots. Running it again is harmless.
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
  // Its job (recorded by that batch): invites naming any email it had, the current snapshot. The sweep below
  // reaches every snapshot, so the job need not wait for a newer one.
  const job = await runErasureJob(store, environmentId, userId, { settle: false });
  const swept = await sweepSnapshots(store, environmentId, userId);
  return { user_id: userId, erased: true, snapshot_rows: job.snapshot_rows + swept, invites: job.invites };
}
