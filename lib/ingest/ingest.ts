import { randomUUID } from "node:crypto";
import { HttpError } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { backoff } from "../util/backoff.js";
import { applyEvents, type KeyedEvent } from "./applyEvents.js";
import { type Claim, claimEvents, completeBatch, readBatches, readClaims } from "./claims.js";
import { loadBatchState } from "./loadState.js";
import type { IngestEvent } from "./schema.js";
import { validateEvents } from "./validate.js";
import { VersionConflict, writeEffects } from "./writeEffects.js";

/**
 * Ingestion, exactly once whatever fails:
 *
 *  1. Claim: every `event_id` of the request not claimed yet is claimed under this delivery's batch, with the
 *     instant it resolves to, before anything else is written (claims.ts). An event already claimed by a batch that
 *     is completed is a duplicate; one claimed by a batch still pending (an earlier attempt that failed, or a
 *     concurrent delivery) is written again with the claimed instant, as part of that batch.
 *  2. Effects: the batch's users and orgs are read as they were before the batch (an entity that an earlier attempt
 *     already wrote is read from the pre-image it carries), the rules are applied (applyEvents), and every effect is
 *     written idempotently (writeEffects): entity writes that landed before are skipped.
 *  3. Complete: one conditional write per batch makes all its events count; whoever completes it reports them as
 *     accepted, anyone else as duplicates.
 *
 * A failure anywhere leaves the batch pending; sending it again resumes it. Events without `event_id` can't be
 * recognised when sent again: a retried request counts them again (README).
 */

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** Thrown when a batch could not be written now; answered 503 `{"error": "retry"}` (nothing is double-counted). */
export class RetryableError extends Error {
  override name = "RetryableError";
}

const MAX_ATTEMPTS = 5;

/** What this delivery writes: the events in order with their instants, and the batches they belong to. */
interface Plan {
  toApply: KeyedEvent[];
  /** Batch of each event with an id in `toApply`. */
  batchOf: Map<string, string>;
  /** The batch this delivery's own writes are stamped with. */
  batchId: string;
}

/** Step 1: dedupe against earlier deliveries and claim what is new. */
async function planDelivery(store: Store, e: string, events: IngestEvent[]): Promise<Plan> {
  const eventIds = [...new Set(events.flatMap((event) => (event.eventId === undefined ? [] : [event.eventId])))];
  const claims = await readClaims(store, e, eventIds);
  const statuses = await readBatches(store, e, [...new Set([...claims.values()].map((c) => c.batchId))]);
  const pending = (claim: Claim) => statuses.get(claim.batchId)?.completed !== true;
  const pendingBatches = new Set([...claims.values()].filter(pending).map((c) => c.batchId));
  // Resuming one earlier attempt: its new events join its batch, so a later retry sees one batch again.
  const batchId = pendingBatches.size === 1 ? ([...pendingBatches][0] as string) : randomUUID();

  const unclaimed = eventIds.filter((id) => !claims.has(id));
  const atOf = new Map(events.map((event) => [event.eventId, event.at]));
  const toClaim = unclaimed.map((eventId) => ({ eventId, at: atOf.get(eventId) as number }));
  const claimed = await claimEvents(store, e, batchId, toClaim);
  toClaim.forEach((c, i) => {
    if (claimed[i]) claims.set(c.eventId, { batchId, at: c.at });
  });
  const lost = toClaim.filter((_, i) => !claimed[i]).map((c) => c.eventId);
  if (lost.length > 0) {
    // Claimed meanwhile by a concurrent delivery: claims are never removed, so one read sees them.
    const theirs = await readClaims(store, e, lost);
    const theirStatuses = await readBatches(store, e, [...new Set([...theirs.values()].map((c) => c.batchId))]);
    for (const [id, status] of theirStatuses) statuses.set(id, status);
    for (const [eventId, claim] of theirs) claims.set(eventId, claim);
  }

  const toApply: KeyedEvent[] = [];
  const batchOf = new Map<string, string>();
  for (const event of events) {
    if (event.eventId === undefined) {
      toApply.push({ ...event, eventKey: randomUUID() });
      continue;
    }
    const claim = claims.get(event.eventId) as Claim;
    if (batchOf.has(event.eventId) || !pending(claim)) continue; // a repeat, or counted before
    batchOf.set(event.eventId, claim.batchId);
    toApply.push({ ...event, at: claim.at, eventKey: event.eventId });
  }
  return { toApply, batchOf, batchId };
}

/** Step 2: effects from the state before the batch, retried whole on a concurrent change of the same entities. */
async function writeBatchEffects(store: Store, e: string, { toApply, batchOf, batchId }: Plan): Promise<void> {
  const ownBatches = new Set([batchId, ...batchOf.values()]);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const loaded = await loadBatchState(store, e, toApply, ownBatches);
    try {
      await writeEffects(store, e, batchId, loaded, applyEvents(loaded.state, toApply));
      return;
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      await backoff(attempt + 1);
    }
  }
  throw new RetryableError("too many concurrent changes to the same users or orgs");
}

/**
 * Step 3: completes each batch whose every claimed event this delivery wrote. Returns how many of the request's
 * events count as accepted by this delivery (events without id, and those of the batches it completed).
 */
async function completeBatches(store: Store, e: string, plan: Plan, now: number): Promise<number> {
  let accepted = plan.toApply.filter((event) => event.eventId === undefined).length;
  const eventsPerBatch = new Map<string, number>();
  for (const batch of plan.batchOf.values()) eventsPerBatch.set(batch, (eventsPerBatch.get(batch) ?? 0) + 1);
  // Read after the effects: `claimed` now includes any claim a concurrent delivery added to a resumed batch.
  const statuses = await readBatches(store, e, [...eventsPerBatch.keys()]);
  for (const [batch, count] of eventsPerBatch) {
    const status = statuses.get(batch);
    // A batch with events this delivery didn't carry is left to a delivery that carries them all.
    if (status?.claimed !== count) continue;
    if (await completeBatch(store, e, batch, now)) accepted += count;
  }
  return accepted;
}

/** Ingests validated events in order (CONTRACT §2–§3), exactly once per `event_id`. */
export async function ingestValidEvents(
  store: Store,
  environmentId: string,
  events: IngestEvent[],
  now = Date.now(),
): Promise<IngestResult> {
  const plan = await planDelivery(store, environmentId, events);
  await writeBatchEffects(store, environmentId, plan);
  const accepted = await completeBatches(store, environmentId, plan, now);
  return { accepted, duplicates: events.length - accepted };
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
