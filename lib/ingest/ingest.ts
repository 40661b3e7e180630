import { randomUUID } from "node:crypto";
import { HttpError } from "../http/types.js";
import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { transactConditionalWrites } from "../storage/transactions.js";
import { backoff } from "../util/backoff.js";
import { applyEvents, type KeyedEvent } from "./applyEvents.js";
import { loadBatchState } from "./loadState.js";
import type { IngestEvent } from "./schema.js";
import { validateEvents } from "./validate.js";
import { VersionConflict, writeEffects } from "./writeEffects.js";

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** Thrown when a batch could not be written now; answered 503 `{"error": "retry"}` (nothing is double-counted). */
export class RetryableError extends Error {
  override name = "RetryableError";
}

const MAX_ATTEMPTS = 5;

/** `event_id`s of the batch that were accepted before (one BatchGet per 100). */
async function acceptedBefore(store: Store, e: string, eventIds: string[]): Promise<Set<string>> {
  const markers = await batchGetAll(
    store,
    store.tables.entities,
    eventIds.map((id) => keys.eventMarker(e, id)),
    { consistent: true },
  );
  return new Set(markers.map((marker) => marker.event_id as string));
}

/**
 * Claims each event_id once its effects are written; a claim lost to a concurrent retry of the same batch makes
 * that event a duplicate (its effects, written by both, are idempotent). Returns how many claims were lost.
 */
async function claimEventIds(store: Store, e: string, events: KeyedEvent[], now: number): Promise<number> {
  const claims = events.flatMap((event) =>
    event.eventId === undefined
      ? []
      : [
          {
            Put: {
              TableName: store.tables.entities,
              Item: { ...keys.eventMarker(e, event.eventId), event_id: event.eventId, accepted_at: now },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
  );
  const written = await transactConditionalWrites(store, claims);
  return written.filter((w) => !w).length;
}

/** Ingests validated events in order (CONTRACT §2–§3). */
export async function ingestValidEvents(
  store: Store,
  environmentId: string,
  events: IngestEvent[],
  now = Date.now(),
): Promise<IngestResult> {
  // Keys drawn once per request, so a re-applied batch (after a version conflict) records the same items.
  const keyed: KeyedEvent[] = events.map((event) => ({ ...event, eventKey: event.eventId ?? randomUUID() }));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seen = await acceptedBefore(store, environmentId, [
      ...new Set(keyed.flatMap((event) => (event.eventId === undefined ? [] : [event.eventId]))),
    ]);
    const fresh = keyed.filter((event) => {
      if (event.eventId === undefined) return true;
      if (seen.has(event.eventId)) return false;
      seen.add(event.eventId); // a repeat later in the same batch is a duplicate too
      return true;
    });
    try {
      const loaded = await loadBatchState(store, environmentId, fresh);
      await writeEffects(store, environmentId, loaded, applyEvents(loaded, fresh));
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      await backoff(attempt + 1);
      continue;
    }
    const lost = await claimEventIds(store, environmentId, fresh, now);
    const accepted = fresh.length - lost;
    return { accepted, duplicates: events.length - accepted };
  }
  throw new RetryableError("too many concurrent changes to the same users or orgs");
}

/** Validates (all or nothing) then ingests; invalid events throw the contract's 400. */
export async function ingestEvents(
  store: Store,
  environmentId: string,
  raw: unknown[],
  now = Date.now(),
): Promise<IngestResult> {
  const validation = validateEvents(raw, now);
  if (!validation.ok) throw new HttpError(400, { error: "invalid_events", event_errors: validation.errors });
  return ingestValidEvents(store, environmentId, validation.events, now);
}
