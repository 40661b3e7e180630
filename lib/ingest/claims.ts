import { createHash, randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import { type StoredEvents, storeBatchEvents } from "./batchEvents.js";
import type { IngestEvent } from "./schema.js";

/**
 * `event_id` claims and the ingestion batches they belong to: what makes an event count once whatever fails.
 *
 * | item                  | key (entities table)                | attributes                                  | writes (units)   |
 * |-----------------------|-------------------------------------|---------------------------------------------|------------------|
 * | claim of an event_id  | pk `E#{E}#EV#{event_id}` sk `EV`    | `batch_id`, `at` (resolved instant)         | 1 conditional Put|
 * | ingestion batch       | pk `E#{E}#BATCH#{batch}` sk `BATCH` | `event_ids`, `ats` (its events, fixed when  | 1 conditional Put|
 * |                       |                                     | created), `events_digest`, `events_chunks`  | + 1 Update       |
 * |                       |                                     | (its stored events: batchEvents.ts),        |                  |
 * |                       |                                     | `completed_at`, `completed_by`              |                  |
 * | batch resumed         | pk `E#{E}#BATCH#{batch}`            | none: its presence is the fact (a delivery  | 1 Put per resume |
 * |                       |   sk `RESUMED`                      | other than its first resumed it)            |                  |
 *
 * A batch is created once, by one conditional Put that names every event it may claim and the instant each resolved
 * to (so an event sent without `occurred_at` keeps the instant of its first attempt), and is never added to: its id
 * is drawn from those event ids (a hash), so a retry of the same request, or a concurrent copy of it, finds the same
 * batch. Each event is then claimed by its own conditional Put (no transaction: 1 write unit), for that batch and
 * with that instant, *before* any of its effects is written; a claim lost to a concurrent delivery belongs to the
 * batch that won it. An event counts as accepted once its batch is completed: one conditional write after every
 * effect of the batch is written, and only by a delivery that carried every event the batch claimed and saw each of
 * its events claimed (by it or by another batch), so a batch is all pending or all done and a retry of a pending one
 * recomputes the same effects (ingest.ts). Since a batch never gains events, nothing can be claimed for it between
 * that check and its completion. Cost per event: one claim write and one claim read on every delivery (BatchGet);
 * per batch: one read, one batch write and one completion write (each ⌈size / 1 KB⌉ units: ≈ 4 for 200 events
 * with short ids, so ≈ 0.04 per event).
 */

export interface Claim {
  batchId: string;
  at: number;
}

export interface BatchStatus {
  /** The instant of each event the batch may claim. */
  events: Map<string, number>;
  completed: boolean;
  /** Its events as stored (batchEvents.ts); absent on batches created before they were stored. */
  stored?: StoredEvents;
}

/** The id of the batch created for `eventIds` (deterministic, UUID-shaped): a retry finds the same batch. */
export function batchIdOf(eventIds: readonly string[]): string {
  const hex = createHash("sha256")
    .update(JSON.stringify([...eventIds].sort()))
    .digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The claims of `eventIds` that exist, by event id (consistent: a retry must see its own first attempt). */
export async function readClaims(store: Store, e: string, eventIds: string[]): Promise<Map<string, Claim>> {
  const items = await batchGetAll(
    store,
    store.tables.entities,
    eventIds.map((id) => keys.eventMarker(e, id)),
    { consistent: true },
  );
  return new Map(
    items.map((item) => [item.event_id as string, { batchId: item.batch_id as string, at: item.at as number }]),
  );
}

function batchStatus(item: Record<string, unknown>): BatchStatus {
  const ids = (item.event_ids as string[] | undefined) ?? [];
  const ats = (item.ats as number[] | undefined) ?? [];
  const digest = item.events_digest as string | undefined;
  return {
    events: new Map(ids.map((id, i) => [id, ats[i] as number])),
    completed: item.completed_at !== undefined,
    ...(digest ? { stored: { digest, chunks: item.events_chunks as number } } : {}),
  };
}

/** The status of each batch that exists (consistent). */
export async function readBatches(store: Store, e: string, batchIds: string[]): Promise<Map<string, BatchStatus>> {
  const items = await batchGetAll(
    store,
    store.tables.entities,
    batchIds.map((id) => keys.ingestBatch(e, id)),
    { consistent: true },
  );
  return new Map(items.map((item) => [item.batch_id as string, batchStatus(item)]));
}

/**
 * Creates the batch of `events` (each with its id and resolved instant, in the request's order), unless it exists:
 * its events are stored first (batchEvents.ts), then the batch item that names them. Returns the batch as stored
 * (the one a concurrent copy of the same delivery created first keeps its instants and its stored events).
 */
export async function createBatch(
  store: Store,
  e: string,
  events: (IngestEvent & { eventId: string })[],
  now: number,
): Promise<{ batchId: string; status: BatchStatus }> {
  const batchId = batchIdOf(events.map((event) => event.eventId));
  const stored = await storeBatchEvents(store, e, batchId, events, now);
  const sorted = [...events].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const item = {
    batch_id: batchId,
    event_ids: sorted.map((x) => x.eventId),
    ats: sorted.map((x) => x.at),
    events_digest: stored.digest,
    events_chunks: stored.chunks,
  };
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.entities,
        Item: { ...keys.ingestBatch(e, batchId), ...item },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return { batchId, status: batchStatus(item) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const stored = (await readBatches(store, e, [batchId])).get(batchId) as BatchStatus;
    return { batchId, status: stored };
  }
}

/**
 * Claims each event for its batch, only if unclaimed: one conditional Put each. Returns, per event, whether this
 * call claimed it (false: claimed meanwhile by a concurrent delivery).
 */
export async function claimEvents(
  store: Store,
  e: string,
  events: { eventId: string; at: number; batchId: string }[],
): Promise<boolean[]> {
  return mapLimit(events, CLAIM_CONCURRENCY, async ({ eventId, at, batchId }) => {
    try {
      await store.doc.send(
        new PutCommand({
          TableName: store.tables.entities,
          Item: { ...keys.eventMarker(e, eventId), event_id: eventId, batch_id: batchId, at },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  });
}

/**
 * Claims in flight per request. A full request is 1,000 claims, each an independent conditional Put with no retry
 * loop of its own: on DynamoDB, where a call's latency does not grow with the calls in flight, 32 makes them ≈ 32
 * rounds of one call each (a fraction of a second) and stays under the SDK's 50 sockets (scripts/bench/bigRequest.ts).
 */
const CLAIM_CONCURRENCY = 32;

/**
 * Records that a delivery which did not create these batches resumes them, before it writes any of their effects:
 * the delivery that did create one then knows, after writing its own day members, that another may have written
 * some of them too (hourGenerations.ts). A small item of its own, not an attribute of the batch: a write of the
 * batch item costs its size (≈ 4 KB for 200 events).
 */
export async function markResumed(store: Store, e: string, batchIds: string[]): Promise<void> {
  await mapLimit(batchIds, CLAIM_CONCURRENCY, (batchId) =>
    store.doc.send(new PutCommand({ TableName: store.tables.entities, Item: keys.ingestBatchResumed(e, batchId) })),
  );
}

/** Whether another delivery marked the batch resumed (consistent: the mark preceded that delivery's members). */
export async function wasResumed(store: Store, e: string, batchId: string): Promise<boolean> {
  const { Item } = await store.doc.send(
    new GetCommand({
      TableName: store.tables.entities,
      Key: keys.ingestBatchResumed(e, batchId),
      ConsistentRead: true,
    }),
  );
  return Item !== undefined;
}

/**
 * Marks a batch completed; false when another delivery completed it first. The write carries a token of its own, so
 * that when its reply is lost after it applied and the SDK sends it again, the retry's failed condition is recognised
 * as this call's own completion (the item the failure returns bears the token), not as another delivery's.
 */
export async function completeBatch(store: Store, e: string, batchId: string, now: number): Promise<boolean> {
  const token = randomUUID();
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.entities,
        Key: keys.ingestBatch(e, batchId),
        UpdateExpression: "SET completed_at = :now, completed_by = :token",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(completed_at)",
        ExpressionAttributeValues: { ":now": now, ":token": token },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return completedBy(error.Item) === token;
    throw error;
  }
}

/** The token of the completion an item returned by a failed condition holds (as DynamoDB returns it, marshalled). */
function completedBy(item: Record<string, unknown> | undefined): string | undefined {
  const value = item?.completed_by as { S?: string } | string | undefined;
  return typeof value === "string" ? value : value?.S;
}
