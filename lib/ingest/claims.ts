import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { transactConditionalWrites } from "../storage/transactions.js";

/**
 * `event_id` claims and the ingestion batches they belong to: what makes an event count once whatever fails.
 *
 * | item                          | key (entities table)                    | attributes                         |
 * |-------------------------------|-----------------------------------------|------------------------------------|
 * | claim of an event_id          | pk `E#{E}#EV#{event_id}` sk `EV`        | `batch_id`, `at` (resolved instant)|
 * | ingestion batch               | pk `E#{E}#BATCH#{batch}` sk `BATCH`     | `claimed` (count), `completed_at`  |
 *
 * An event is claimed *before* any of its effects is written, with the instant it was resolved to (so an event sent
 * without `occurred_at` keeps the instant of its first attempt), under the batch that writes it. The batch's
 * `claimed` counter moves in the same transaction as its claims. An event counts as accepted once its batch is
 * completed: one conditional write after every effect of the batch is written, so a batch is all pending or all
 * done and a retry of a pending one recomputes the same effects (ingest.ts). Cost per event: one claim write, one
 * claim read on every delivery (BatchGet), plus one batch read and one completion write per batch.
 */

export interface Claim {
  batchId: string;
  at: number;
}

export interface BatchStatus {
  claimed: number;
  completed: boolean;
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

/** The status of each batch (consistent). */
export async function readBatches(store: Store, e: string, batchIds: string[]): Promise<Map<string, BatchStatus>> {
  const items = await batchGetAll(
    store,
    store.tables.entities,
    batchIds.map((id) => keys.ingestBatch(e, id)),
    { consistent: true },
  );
  return new Map(
    items.map((item) => [
      item.batch_id as string,
      { claimed: (item.claimed as number | undefined) ?? 0, completed: item.completed_at !== undefined },
    ]),
  );
}

/**
 * Claims events for `batchId`, each only if unclaimed, with the batch's `claimed` counter moved in the same
 * transactions. Returns, per event, whether this call claimed it (false: claimed meanwhile by a concurrent delivery).
 */
export async function claimEvents(
  store: Store,
  e: string,
  batchId: string,
  events: { eventId: string; at: number }[],
): Promise<boolean[]> {
  return transactConditionalWrites(
    store,
    events.map(({ eventId, at }) => ({
      Put: {
        TableName: store.tables.entities,
        Item: { ...keys.eventMarker(e, eventId), event_id: eventId, batch_id: batchId, at },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    })),
    (claimed) => [
      {
        Update: {
          TableName: store.tables.entities,
          Key: keys.ingestBatch(e, batchId),
          UpdateExpression: "SET batch_id = :id ADD claimed :n",
          ExpressionAttributeValues: { ":id": batchId, ":n": claimed },
        },
      },
    ],
    1,
  );
}

/** Marks a batch completed; false when another delivery completed it first. */
export async function completeBatch(store: Store, e: string, batchId: string, now: number): Promise<boolean> {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.entities,
        Key: keys.ingestBatch(e, batchId),
        UpdateExpression: "SET batch_id = :id, completed_at = :now",
        ConditionExpression: "attribute_not_exists(completed_at)",
        ExpressionAttributeValues: { ":id": batchId, ":now": now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
