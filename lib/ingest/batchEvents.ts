import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { batchWriteAll, queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys, TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import type { IngestEvent } from "./schema.js";

/**
 * A batch's own events, stored with it, so that any delivery can apply a pending batch whole: a retry that splits
 * or regroups the events of a request that failed midway (a sender that re-chunks its queue) carries only part of
 * the pending batch, and without the rest could neither apply nor complete it; it would answer "duplicates" for
 * events that never counted (issue 20's probes).
 *
 * | item                      | key (entities table)                                | attributes                   | cost |
 * |---------------------------|-----------------------------------------------------|------------------------------|------|
 * | a chunk of a batch's      | pk `E#{E}#BATCH#{batch}` sk `EVENTS#{digest}#{k}`    | `events` (gzip of the JSON   | ⌈size / 1 KB⌉ per chunk: |
 * |   events                  |   (k from 0; the batch item names digest and count) |   array), `expires_at` (TTL) | ≈ 3 units for 200 events |
 *
 * Why so: the chunks are written *before* the batch item that names them (by their content's digest), so a batch
 * that exists always has its events; two deliveries that race to create the same batch write chunks under their own
 * digests, and only the winner's are named. The events are gzipped (JSON of similar events shrinks ≈ 10 times:
 * ≈ 0.015 write units per event) and cut into chunks below DynamoDB's 400 KB item limit (a request is ≤ 1 MiB).
 * The delivery that completes the batch deletes them (they hold profile fields, which an erasure must be able to
 * remove from everywhere); chunks left by a delivery that died in between, or by a batch never retried, expire
 * through the TTL.
 */

/** Below DynamoDB's 400 KB item limit, with room for the keys. */
const CHUNK_BYTES = 350_000;
/** How long a pending batch's events are kept: a retry later than this can still resend the same request whole. */
export const BATCH_EVENTS_TTL_SECONDS = 7 * 24 * 3600;
const PREFIX = "EVENTS#";

export interface StoredEvents {
  digest: string;
  chunks: number;
}

/** Stores `events` (in the batch's order, each with its resolved instant) as chunks of `batchId`. */
export async function storeBatchEvents(
  store: Store,
  e: string,
  batchId: string,
  events: IngestEvent[],
  now: number,
): Promise<StoredEvents> {
  const packed = gzipSync(JSON.stringify(events));
  const digest = createHash("sha256").update(packed).digest("hex").slice(0, 16);
  const chunks: Buffer[] = [];
  for (let at = 0; at < packed.length; at += CHUNK_BYTES) chunks.push(packed.subarray(at, at + CHUNK_BYTES));
  const expiresAt = Math.floor(now / 1000) + BATCH_EVENTS_TTL_SECONDS;
  await Promise.all(
    chunks.map((chunk, k) =>
      store.doc.send(
        new PutCommand({
          TableName: store.tables.entities,
          Item: { ...keys.ingestBatchEvents(e, batchId, digest, k), events: chunk, [TTL_ATTRIBUTE]: expiresAt },
        }),
      ),
    ),
  );
  return { digest, chunks: chunks.length };
}

/** The events a batch stored, in its order; undefined when they are gone (expired, or deleted on completion). */
export async function readBatchEvents(
  store: Store,
  e: string,
  batchId: string,
  stored: StoredEvents,
): Promise<IngestEvent[] | undefined> {
  const items = await queryAll<{ sk: string; events: Uint8Array }>(store, {
    TableName: store.tables.entities,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: {
      ":pk": keys.ingestBatch(e, batchId).pk,
      ":prefix": `${PREFIX}${stored.digest}#`,
    },
    ConsistentRead: true,
  });
  if (items.length !== stored.chunks) return undefined;
  const ordered = items.sort((a, b) => chunkIndex(a.sk) - chunkIndex(b.sk));
  return JSON.parse(gunzipSync(Buffer.concat(ordered.map((item) => item.events))).toString("utf8")) as IngestEvent[];
}

/** Deletes a completed batch's events (idempotent). */
export async function deleteBatchEvents(store: Store, e: string, batchId: string, stored: StoredEvents) {
  const requests = Array.from({ length: stored.chunks }, (_, k) => ({
    DeleteRequest: { Key: keys.ingestBatchEvents(e, batchId, stored.digest, k) },
  }));
  await batchWriteAll(store, store.tables.entities, requests);
}

const chunkIndex = (sk: string) => Number(sk.slice(sk.lastIndexOf("#") + 1));
