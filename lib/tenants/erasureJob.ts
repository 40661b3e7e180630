import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem, ErasureJobItem, InviteToItem, UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { currentSnapshot, eraseFromChunks, userChunkKeys } from "./snapshotErasure.js";

/**
 * A person's erasure job: what `user.erased` leaves to do after its request, whose cost must not grow with the
 * tenant. Ingestion records the job (`E#{E}#ERASE` / user id, with the hashes of every email the user had) in the
 * batch that erases the user (lib/ingest/writeErasures.ts) and queues it (on AWS an SQS queue, functions/
 * erasureWorker.ts; locally the demo server's loop, `npm start`); `user erase` runs it at once. The job:
 *
 * | step                                      | how                                                        | cost                      |
 * |-------------------------------------------|------------------------------------------------------------|---------------------------|
 * | wait for the user item to be erased       | GetItem (the batch may still be pending: retried later)    | 1 read                    |
 * | invites naming any email it ever had      | Query `INVTO#{hash}` per email; each invite's email set to | ∝ those invites           |
 * |                                           | null, its index item deleted                               |                           |
 * | rows of the current snapshot              | its user-report chunks, 100 keys a page (BatchGet), the    | ∝ the snapshot's user rows|
 * |                                           | chunks holding the user rewritten; cursor saved per page   |                           |
 * | a snapshot made current meanwhile         | the pointer read again after each snapshot: scrubbed too   | same                      |
 * | done                                      | once no snapshot planned before the erasure can still      | 1 write                   |
 * |                                           | become current (below)                                     |                           |
 *
 * Exactly once and resumable: every step is idempotent (a row already erased is not written again, a deleted index
 * item is not found again), progress (cursor, snapshots done, counts) is saved after each page, so a job that is
 * delivered twice, or stopped at any point, ends the same.
 *
 * Refreshes: a snapshot planned after the job first found the user item erased (`confirmed_at`) reads the erased
 * item, so it is clean. One planned before may still be running and switch the pointer after the job scrubbed the
 * current one; the pointer never moves back to an older report_time (lib/reports/snapshot.ts), so the job ends
 * only once the current snapshot was planned after `confirmed_at` (or SETTLE_MS later, when any such run is long
 * dead): until then it reports a wait and is queued again. Earlier snapshots (not current any more, kept until their
 * 7-day TTL) are named by no key: `user erase` sweeps them offline (erasure.ts); through the event they expire.
 */

/** Chunk keys read per page (one BatchGet of 100). */
export const ERASURE_PAGE_KEYS = 100;
/**
 * Longest a refresh run planned before the erasure can still switch the pointer: a part is received at most 3 times
 * with a 30-minute visibility timeout (infra/refresh.ts), ≤ 90 minutes, and a churn shard may hand its rest on to
 * a part queued after it; 3 hours leaves room. Normally the next scheduled refresh ends the wait within the hour.
 */
export const SETTLE_MS = 3 * 60 * 60 * 1000;

/** The user item is not erased yet (the batch that erases it is still being written, or failed): retry later. */
export class ErasureNotReadyError extends Error {
  override name = "ErasureNotReadyError";
}

export interface ErasureJobOptions {
  /** Stop taking new pages after this instant (ms); the job is left resumable. */
  deadline?: number;
  now?: () => number;
  /**
   * Wait for a snapshot planned after the erasure before finishing (default true). `user erase` turns it off: it
   * sweeps every snapshot itself, at once.
   */
  settle?: boolean;
}

export interface ErasureJobRun {
  /** False when the job has no record (never recorded, or removed with its environment). */
  found: boolean;
  done: boolean;
  /** When not done for want of a newer snapshot: how long to wait before running it again. */
  waitMs?: number;
  invites: number;
  snapshot_rows: number;
}

/** A job to run: what the ingestion route queues. */
export interface ErasureJobRef {
  environment_id: string;
  user_id: string;
}

/** Where ingestion queues the jobs it recorded (an SQS queue on AWS); without one, a local loop finds them. */
export interface ErasureQueue {
  send(jobs: ErasureJobRef[]): Promise<void>;
}

async function getItem<T>(store: Store, Key: Record<string, unknown>): Promise<T | undefined> {
  const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key, ConsistentRead: true }));
  return got.Item as T | undefined;
}

/** The environment's jobs not finished yet (the local loop's work list): Query of `E#{E}#ERASE`. */
export async function pendingErasureJobs(store: Store, environmentId: string): Promise<ErasureJobRef[]> {
  const jobs: ErasureJobRef[] = [];
  for await (const page of queryPages<ErasureJobItem>(store, {
    TableName: store.tables.entities,
    KeyConditionExpression: "pk = :pk",
    FilterExpression: "attribute_not_exists(done_at)",
    ExpressionAttributeValues: { ":pk": keys.erasureJobsPk(environmentId) },
    ConsistentRead: true,
  })) {
    for (const job of page) jobs.push({ environment_id: job.environment_id, user_id: job.user_id });
  }
  return jobs;
}

/** Every invite naming the email `hash`: its email set to null, its index item deleted. Returns invites erased. */
async function scrubInvites(store: Store, environmentId: string, hash: string, deadline: () => boolean) {
  let erased = 0;
  for await (const page of queryPages<InviteToItem & { pk: string; sk: string }>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.invitesToPk(environmentId, hash) },
    Limit: ERASURE_PAGE_KEYS,
    ConsistentRead: true,
  })) {
    for (const index of page) {
      try {
        await store.doc.send(
          new UpdateCommand({
            TableName: store.tables.activity,
            Key: { pk: index.invite_pk, sk: index.invite_sk },
            UpdateExpression: "SET invitee_email = :erased",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":erased": null },
          }),
        );
        erased += 1;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      await store.doc.send(
        new DeleteCommand({ TableName: store.tables.activity, Key: { pk: index.pk, sk: index.sk } }),
      );
    }
    if (deadline()) return { erased, finished: false };
  }
  return { erased, finished: true };
}

/**
 * Runs (or resumes) the erasure job of a user until it is done, the deadline passes, or it must wait for a newer
 * snapshot. Throws ErasureNotReadyError while the user item is not erased yet.
 */
export async function runErasureJob(
  store: Store,
  environmentId: string,
  userId: string,
  options: ErasureJobOptions = {},
): Promise<ErasureJobRun> {
  const now = options.now ?? Date.now;
  const pastDeadline = () => now() >= (options.deadline ?? Number.POSITIVE_INFINITY);
  const Key = keys.erasureJob(environmentId, userId);
  const job = await getItem<ErasureJobItem>(store, Key);
  const counts = () => ({ invites: job?.invites ?? 0, snapshot_rows: job?.snapshot_rows ?? 0 });
  if (!job || job.done_at !== undefined) return { found: !!job, done: true, ...counts() };
  const user = await getItem<UserItem>(store, keys.user(environmentId, userId));
  if (user?.erased_at === undefined) throw new ErasureNotReadyError(`user ${userId} is not erased yet`);
  const update = async (UpdateExpression: string, values?: Record<string, unknown>) => {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.entities,
        Key,
        UpdateExpression,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  };
  const notDone = (waitMs?: number): ErasureJobRun => ({
    found: true,
    done: false,
    ...(waitMs === undefined ? {} : { waitMs }),
    ...counts(),
  });

  if (job.confirmed_at === undefined) {
    job.confirmed_at = now();
    await update("SET confirmed_at = if_not_exists(confirmed_at, :t)", { ":t": job.confirmed_at });
  }

  // Invites naming any email the user ever had (hashes recorded with the job; removed once used).
  for (const hash of job.email_hashes ?? []) {
    const { erased, finished } = await scrubInvites(store, environmentId, hash, pastDeadline);
    job.invites = (job.invites ?? 0) + erased;
    if (erased > 0) await update("ADD invites :n", { ":n": erased });
    if (!finished) return notDone();
  }
  if (job.email_hashes !== undefined) {
    await update("REMOVE email_hashes");
    job.email_hashes = undefined;
  }

  // The current snapshot, and any made current while this one was being scrubbed.
  let pointer: CurrentReportItem | undefined = await currentSnapshot(store, environmentId);
  while (pointer && !(job.scrubbed ?? []).includes(pointer.report_id)) {
    const reportId = pointer.report_id;
    const chunkKeys = userChunkKeys(environmentId, pointer);
    let position = job.scrub_cursor?.report_id === reportId ? job.scrub_cursor.position : 0;
    while (position < chunkKeys.length) {
      if (pastDeadline()) return notDone();
      const rows = await eraseFromChunks(store, chunkKeys.slice(position, position + ERASURE_PAGE_KEYS), userId);
      position += ERASURE_PAGE_KEYS;
      job.scrub_cursor = { report_id: reportId, position };
      job.snapshot_rows = (job.snapshot_rows ?? 0) + rows;
      await update("SET scrub_cursor = :cursor ADD snapshot_rows :rows", {
        ":cursor": job.scrub_cursor,
        ":rows": rows,
      });
    }
    job.scrubbed = [...(job.scrubbed ?? []), reportId];
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.entities,
        Key,
        UpdateExpression: "SET scrubbed = :scrubbed REMOVE scrub_cursor",
        ExpressionAttributeValues: { ":scrubbed": job.scrubbed },
      }),
    );
    job.scrub_cursor = undefined;
    pointer = await currentSnapshot(store, environmentId);
  }

  // A run planned before the erasure could still make its (unscrubbed) snapshot current: wait for a newer one.
  const confirmedAt = job.confirmed_at;
  if (options.settle !== false && pointer && pointer.report_time * 1000 < confirmedAt) {
    const waitMs = confirmedAt + SETTLE_MS - now();
    if (waitMs > 0) return notDone(waitMs);
  }
  await update("SET done_at = :t", { ":t": now() });
  return { found: true, done: true, ...counts() };
}
