import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { getEnvironment, requireEnvironment, revokeAllCredentials } from "../auth/credentials.js";
import { batchWriteAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys, type TableNames } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";

/**
 * Deleting an environment (`environment delete`): its credentials are revoked at once, then a job removes every item
 * it stored, in every table, resumably.
 *
 * | step                         | how                                                              | cost                      |
 * |------------------------------|------------------------------------------------------------------|---------------------------|
 * | revoke keys and tokens       | Query `CREDS#{E}`, one UpdateItem per credential                 | ∝ its credentials         |
 * | stop its report refreshes    | DeleteItem of its `ENVS` listing                                  | 1 write                   |
 * | remove every item            | parallel Scan (4 segments per table) filtered on the environment,| ∝ size of the three tables|
 * |                              | BatchWrite deletes; each page's cursor saved in the job item      |                           |
 * | progress / resume            | job item `DELETIONS` / `{E}`: cursors, items scanned and deleted | 1 write per page          |
 * | completion                   | the job item kept, `state` done, cursors removed (delete-status) | 1 write                   |
 *
 * Why a Scan: this is an offline admin job, never on a request path, and it is the one read that finds *every*
 * item of an environment. The keys do not enumerate all of them: `event_id` markers (`E#{E}#EV#{id}`), deleted
 * users (they leave both GSIs), the invite and membership-change logs of days no counter names, and the rows of
 * earlier snapshots are reachable by no Query. Listing every partition as it is created would add a write to the
 * ingestion's hot path for a rare operation. The scan reads each table once (4 segments in parallel), whatever the
 * number of environments deleted at that time, and its cursors make it resumable after any crash or timeout.
 * The filter also catches credentials written before they were listed per environment (their `environment_id`).
 * The job item outlives the job as a small completion record (state, counts, instants; no data of the tenant):
 * `environment delete-status` reports from it, and a refresh job still queued for the environment ends quietly.
 */

export const SCAN_SEGMENTS = 4;
const TABLES = ["entities", "activity", "reports"] as const satisfies readonly (keyof TableNames)[];
type TableName = (typeof TABLES)[number];

/** A segment's place in its table's scan: not started, the key to continue after, or finished. */
type Cursor = Record<string, unknown> | null | "done";

/** `running` until every item is gone, then `done` (a job item from before states were recorded: running). */
export type DeletionState = "running" | "done";

export interface DeletionJob {
  state?: DeletionState;
  started_at: number;
  /** Last progress (ms). */
  updated_at?: number;
  finished_at?: number;
  /** Removed once done. */
  cursors?: Record<TableName, Cursor[]>;
  scanned: number;
  deleted: number;
}

export interface DeletionProgress {
  scanned: number;
  deleted: number;
  /** Scan segments finished, of `segments`. */
  finished: number;
  segments: number;
}

export class UnknownDeletionError extends Error {}

async function getJob(store: Store, environmentId: string): Promise<DeletionJob | undefined> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.deletionJob(environmentId), ConsistentRead: true }),
  );
  return got.Item as DeletionJob | undefined;
}

/**
 * Revokes every credential of the environment and takes it off the refresh schedule, then records the deletion
 * job (kept if one exists already: a second `delete` resumes the first). The environment's data is still there:
 * runDeletionJob removes it.
 */
export async function startEnvironmentDeletion(
  store: Store,
  environmentId: string,
  now = Date.now(),
): Promise<{ revoked_credentials: number; resumed: boolean }> {
  const existing = await getJob(store, environmentId);
  if (!existing) await requireEnvironment(store, environmentId);
  const revoked = await revokeAllCredentials(store, environmentId);
  await store.doc.send(
    new DeleteCommand({ TableName: store.tables.entities, Key: keys.environmentListing(environmentId) }),
  );
  if (!existing) {
    const job: DeletionJob = {
      state: "running",
      started_at: now,
      updated_at: now,
      cursors: Object.fromEntries(TABLES.map((t) => [t, Array(SCAN_SEGMENTS).fill(null)])) as DeletionJob["cursors"],
      scanned: 0,
      deleted: 0,
    };
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.entities,
        Item: { ...keys.deletionJob(environmentId), ...job },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }
  return { revoked_credentials: revoked, resumed: existing !== undefined };
}

function progressOf(job: DeletionJob): DeletionProgress {
  const segments = TABLES.length * SCAN_SEGMENTS;
  if (!job.cursors) return { scanned: job.scanned, deleted: job.deleted, finished: segments, segments };
  const cursors = TABLES.flatMap((t) => job.cursors?.[t] ?? []);
  return {
    scanned: job.scanned,
    deleted: job.deleted,
    finished: cursors.filter((c) => c === "done").length,
    segments: cursors.length,
  };
}

export interface RunOptions {
  /** Stop taking new pages after this instant (ms); the job is left resumable. */
  deadline?: number;
  onProgress?: (progress: DeletionProgress) => void;
  now?: () => number;
}

/**
 * Runs (or resumes) the deletion job of an environment until every item is gone or the deadline passes. `done`
 * when nothing of the environment is left; the job item is then removed too.
 */
export async function runDeletionJob(
  store: Store,
  environmentId: string,
  options: RunOptions = {},
): Promise<DeletionProgress & { done: boolean }> {
  const job = await getJob(store, environmentId);
  if (!job) throw new UnknownDeletionError(`no deletion of environment ${environmentId} was started`);
  // Finished by an earlier run (a redelivery, a second `delete`): nothing left to scan.
  if (job.state === "done" || !job.cursors) return { ...progressOf(job), done: true };
  const cursors = job.cursors;
  const now = options.now ?? Date.now;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const segments = TABLES.flatMap((table) => cursors[table].map((cursor, segment) => ({ table, segment, cursor })));

  await mapLimit(segments, SCAN_SEGMENTS, async (part) => {
    let cursor = part.cursor;
    while (cursor !== "done" && now() < deadline) {
      const page = await store.doc.send(
        new ScanCommand({
          TableName: store.tables[part.table],
          Segment: part.segment,
          TotalSegments: SCAN_SEGMENTS,
          ExclusiveStartKey: cursor ?? undefined,
          FilterExpression: "pk IN (:root, :creds) OR begins_with(pk, :prefix) OR environment_id = :e",
          ExpressionAttributeValues: {
            ":root": keys.environmentPk(environmentId),
            ":creds": keys.environmentCredentialsPk(environmentId),
            ":prefix": keys.environmentPartitionPrefix(environmentId),
            ":e": environmentId,
          },
          ProjectionExpression: "pk, sk",
          ConsistentRead: true,
        }),
      );
      const found = (page.Items ?? []) as { pk: string; sk: string | number }[];
      await batchWriteAll(
        store,
        store.tables[part.table],
        found.map((Key) => ({ DeleteRequest: { Key } })),
      );
      cursor = page.LastEvaluatedKey ?? "done";
      await store.doc.send(
        new UpdateCommand({
          TableName: store.tables.entities,
          Key: keys.deletionJob(environmentId),
          UpdateExpression: `SET cursors.#table[${part.segment}] = :cursor, updated_at = :at ADD scanned :scanned, deleted :deleted`,
          ExpressionAttributeNames: { "#table": part.table },
          ExpressionAttributeValues: {
            ":cursor": cursor,
            ":at": Date.now(),
            ":scanned": page.ScannedCount ?? 0,
            ":deleted": found.length,
          },
        }),
      );
      cursors[part.table][part.segment] = cursor;
      job.scanned += page.ScannedCount ?? 0;
      job.deleted += found.length;
      options.onProgress?.(progressOf(job));
    }
  });

  const progress = progressOf(job);
  const done = progress.finished === progress.segments;
  if (done) {
    // Kept as the completion record: what delete-status reports, and what tells a late refresh job to stop.
    const at = Date.now();
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.entities,
        Key: keys.deletionJob(environmentId),
        UpdateExpression: "SET #state = :done, updated_at = :at, finished_at = :at REMOVE cursors",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":done": "done", ":at": at },
      }),
    );
  }
  return { ...progress, done };
}

/** The progress of a running deletion, or undefined when none is running (never started, or finished). */
export async function deletionProgress(store: Store, environmentId: string): Promise<DeletionProgress | undefined> {
  const job = await getJob(store, environmentId);
  return job && job.state !== "done" && job.cursors ? progressOf(job) : undefined;
}

/** Whether a deletion of the environment was started (running or done): its data is going or gone. One GetItem. */
export async function deletionStarted(store: Store, environmentId: string): Promise<boolean> {
  return (await getJob(store, environmentId)) !== undefined;
}

/** What `environment delete-status` prints. */
export interface DeletionStatus {
  environment_id: string;
  /** `not_found`: no deletion was started (`environment_exists` says whether the environment is there). */
  state: DeletionState | "not_found";
  environment_exists?: boolean;
  deleted_items?: number;
  scanned_items?: number;
  /** Scan segments finished, of `segments` (running). */
  finished_segments?: number;
  segments?: number;
  started_at?: string;
  updated_at?: string;
  finished_at?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The deletion job's state from its record: running (with progress), done (with counts), or not_found. */
export async function deletionStatus(store: Store, environmentId: string): Promise<DeletionStatus> {
  const job = await getJob(store, environmentId);
  if (!job) {
    const exists = (await getEnvironment(store, environmentId)) !== undefined;
    return { environment_id: environmentId, state: "not_found", environment_exists: exists };
  }
  const progress = progressOf(job);
  const state: DeletionState = job.state === "done" || !job.cursors ? "done" : "running";
  const started = iso(job.started_at);
  const updated = iso(job.updated_at ?? job.started_at);
  const finished = iso(job.finished_at);
  return {
    environment_id: environmentId,
    state,
    deleted_items: job.deleted,
    scanned_items: job.scanned,
    ...(state === "running" ? { finished_segments: progress.finished, segments: progress.segments } : {}),
    ...(started ? { started_at: started } : {}),
    ...(updated ? { updated_at: updated } : {}),
    ...(finished ? { finished_at: finished } : {}),
  };
}
