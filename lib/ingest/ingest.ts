import { randomUUID } from "node:crypto";
import { RetryableError } from "../http/retryable.js";
import { HttpError } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { backoff } from "../util/backoff.js";
import type { KeyedEvent } from "./applyEvents.js";
import { applyOverHeld } from "./applyOverHeld.js";
import { deleteBatchEvents, readBatchEvents } from "./batchEvents.js";
import {
  type BatchStatus,
  batchIdOf,
  type Claim,
  claimEvents,
  completeBatch,
  createBatch,
  markResumed,
  readBatches,
  readClaims,
  wasResumed,
} from "./claims.js";
import { loadBatchState } from "./loadState.js";
import type { IngestEvent } from "./schema.js";
import { validateEvents } from "./validate.js";
import { VersionConflict, writeEffects } from "./writeEffects.js";

/**
 * Ingestion, exactly once whatever fails:
 *
 *  1. Claim: the `event_id`s of the request not claimed yet form a batch, created with the instant each resolves to
 *     (its id drawn from those ids, so a retry finds it), then each is claimed for it by a conditional Put, before
 *     anything else is written (claims.ts). An event already claimed by a batch that
 *     is completed is a duplicate; one claimed by a batch still pending (an earlier attempt that failed, or a
 *     concurrent delivery) is written again with the claimed instant, as part of that batch.
 *  2. Effects: the batch's users and orgs are read as they were before the batch (an entity that an earlier attempt
 *     already wrote is read from the pre-image it carries), the rules are applied (applyEvents), and every effect is
 *     written idempotently (writeEffects): entity writes that landed before are skipped. An entity a later write
 *     already applied some of the delivery's batches to (its `applied` list, appliedBatches.ts) gets only the
 *     events of the others, so their order holds (applyOverHeld.ts).
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

const MAX_ATTEMPTS = 5;

/** What this delivery writes: the events in order with their instants, and the batches they belong to. */
interface Plan {
  toApply: KeyedEvent[];
  /** Batch of each event with an id in `toApply`. */
  batchOf: Map<string, string>;
  /** The batch this delivery's own writes are stamped with. */
  batchId: string;
  /** The claim of every event id of the request (final: claims never change). */
  claims: Map<string, Claim>;
  /** Every batch those claims name. */
  statuses: Map<string, BatchStatus>;
  /** The event ids of the request. */
  requested: Set<string>;
  /**
   * Whether this delivery may write after another one of the same events (it resumes a batch it did not create, a
   * concurrent delivery claimed some of its events, or it applies events without `event_id`): then every old day of
   * its activity has its clock-hour generation bumped (lib/ingest/hourGenerations.ts).
   */
  resumes: boolean;
}

/** Step 1: dedupe against earlier deliveries, create the batch of what is new, claim it. */
async function planDelivery(store: Store, e: string, events: IngestEvent[], now: number): Promise<Plan> {
  const eventIds = [...new Set(events.flatMap((event) => (event.eventId === undefined ? [] : [event.eventId])))];
  const claims = await readClaims(store, e, eventIds);
  const unclaimed = eventIds.filter((id) => !claims.has(id));
  // An earlier attempt of this very delivery may have created the batch of these events and claimed none yet.
  const candidate = unclaimed.length > 0 ? [batchIdOf(unclaimed)] : [];
  const statuses = await readBatches(store, e, [...new Set([...claims.values()].map((c) => c.batchId)), ...candidate]);
  const pending = (batchId: string) => statuses.get(batchId)?.completed !== true;

  // An unclaimed event that a pending batch names is claimed for it, at the instant it recorded (a retry resuming
  // an attempt that failed between creating its batch and claiming all of it); the others form a new batch.
  const pendingBatches = [...statuses].filter(([, status]) => !status.completed).sort(([a], [b]) => (a < b ? -1 : 1));
  const firstOf = new Map<string, IngestEvent & { eventId: string }>();
  for (const event of events)
    if (event.eventId !== undefined && !firstOf.has(event.eventId))
      firstOf.set(event.eventId, { ...event, eventId: event.eventId });
  const toClaim: { eventId: string; at: number; batchId: string }[] = [];
  const fresh: (IngestEvent & { eventId: string })[] = [];
  for (const eventId of unclaimed) {
    const owner = pendingBatches.find(([, status]) => status.events.has(eventId));
    if (owner) toClaim.push({ eventId, at: owner[1].events.get(eventId) as number, batchId: owner[0] });
    else fresh.push(firstOf.get(eventId) as IngestEvent & { eventId: string });
  }
  let freshBatch: string | undefined;
  if (fresh.length > 0) {
    const created = await createBatch(store, e, fresh, now);
    freshBatch = created.batchId;
    statuses.set(freshBatch, created.status);
    for (const { eventId, at } of fresh)
      toClaim.push({ eventId, at: created.status.events.get(eventId) ?? at, batchId: freshBatch });
  }
  let lost = await claimAll(store, e, toClaim, claims, statuses);

  // A pending batch is applied only whole: applying part of another delivery's batch would write effects that
  // delivery's own writes (stamped as below) can't account for, and only a delivery that applies the whole batch
  // can complete it. One this request carries only part of (a retry that split or regrouped a failed request's
  // events) is applied from its stored events (batchEvents.ts), before the request's own; one stored before batches
  // kept their events can't be, and its events in this request are then duplicates here.
  const carried = new Set(eventIds);
  const carriesAll = (batchId: string) =>
    [...(statuses.get(batchId)?.events.keys() ?? [])].every((id) => carried.has(id));
  const partial = [...new Set(eventIds.map((id) => (claims.get(id) as Claim).batchId))]
    .filter((batchId) => pending(batchId) && !carriesAll(batchId))
    .sort();
  const toApply: KeyedEvent[] = [];
  const batchOf = new Map<string, string>();
  const apply = (event: IngestEvent, eventId: string, batchId: string, at: number) => {
    batchOf.set(eventId, batchId);
    toApply.push({ ...event, at, eventKey: eventId });
  };
  for (const batchId of partial) {
    const status = statuses.get(batchId) as BatchStatus;
    const stored = status.stored && (await readBatchEvents(store, e, batchId, status.stored));
    if (!stored) continue;
    // Its events this request doesn't carry: claimed for it now if its first delivery died while claiming them.
    const others = stored.flatMap((event) =>
      event.eventId === undefined || claims.has(event.eventId) ? [] : [event.eventId],
    );
    for (const [eventId, claim] of await readClaims(store, e, others)) claims.set(eventId, claim);
    const unclaimedOfBatch = others.filter((id) => !claims.has(id));
    lost += await claimAll(
      store,
      e,
      unclaimedOfBatch.map((eventId) => ({ eventId, at: status.events.get(eventId) as number, batchId })),
      claims,
      statuses,
    );
    for (const event of stored) {
      const claim = event.eventId === undefined ? undefined : claims.get(event.eventId);
      if (claim?.batchId === batchId && !batchOf.has(event.eventId as string))
        apply(event, event.eventId as string, batchId, claim.at);
    }
  }
  for (const event of events) {
    if (event.eventId === undefined) {
      toApply.push({ ...event, eventKey: randomUUID() });
      continue;
    }
    const claim = claims.get(event.eventId) as Claim;
    if (batchOf.has(event.eventId) || !pending(claim.batchId) || !carriesAll(claim.batchId)) continue;
    apply(event, event.eventId, claim.batchId, claim.at);
  }
  const applied = [...new Set(batchOf.values())];
  const batchId = writeStamp(applied, freshBatch);
  const resumed = applied.filter((batch) => batch !== freshBatch);
  const resumes = lost > 0 || toApply.some((event) => event.eventId === undefined) || resumed.length > 0;
  // Before any member of theirs is written: the delivery that created them reads this after its own members.
  await markResumed(store, e, resumed);
  return { toApply, batchOf, batchId, claims, statuses, resumes, requested: carried };
}

/**
 * Claims each event for its batch (claims.ts); a claim lost to a concurrent delivery is read back with the batch it
 * names (claims are never removed, so one read sees them). Records every claim in `claims`; returns how many were
 * lost.
 */
async function claimAll(
  store: Store,
  e: string,
  toClaim: { eventId: string; at: number; batchId: string }[],
  claims: Map<string, Claim>,
  statuses: Map<string, BatchStatus>,
): Promise<number> {
  const claimed = await claimEvents(store, e, toClaim);
  toClaim.forEach((c, i) => {
    if (claimed[i]) claims.set(c.eventId, { batchId: c.batchId, at: c.at });
  });
  const lost = toClaim.filter((_, i) => !claimed[i]).map((c) => c.eventId);
  if (lost.length === 0) return 0;
  const theirs = await readClaims(store, e, lost);
  const unseen = [...new Set([...theirs.values()].map((c) => c.batchId))].filter((id) => !statuses.has(id));
  for (const [id, status] of await readBatches(store, e, unseen)) statuses.set(id, status);
  for (const [eventId, claim] of theirs) claims.set(eventId, claim);
  return lost.length;
}

/**
 * The stamp of this delivery's user and org writes (their `prev_batch`): it names exactly the set of batches whose
 * events the writes apply (each batch whole), so a write found with this stamp applied the same events, and was made
 * by an earlier attempt of the same delivery, whose effects this one may take as landed (loadState.ts). The batch's
 * own id when it applies one batch (as before), else a digest of the sorted ids; a random id when it applies none
 * (only events without `event_id`: nothing to recognise on a retry).
 */
function writeStamp(applied: string[], freshBatch: string | undefined): string {
  if (applied.length === 1) return applied[0] as string;
  if (applied.length === 0) return freshBatch ?? randomUUID();
  return batchIdOf(applied.map((id) => `batch:${id}`));
}

/** Step 2: effects from the state before the batch, retried whole on a concurrent change of the same entities. */
async function writeBatchEffects(store: Store, e: string, { toApply, batchId, batchOf, resumes }: Plan, now: number) {
  // Only a write stamped like this delivery's applied the same events (writeStamp): any other is a concurrent change.
  const ownBatches = new Set([batchId]);
  // Those an entity may hold already, its `applied` list says (appliedBatches.ts).
  const batches = [...new Set(batchOf.values())].sort();
  // A delivery that doesn't resume applies its own fresh batch only (`batchId`): was it resumed meanwhile?
  const resumedByAnother = () => wasResumed(store, e, batchId);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const loaded = await loadBatchState(store, e, toApply, ownBatches, batches);
    try {
      const context = { now, resumes, resumedByAnother };
      const effects = applyOverHeld(loaded.state, toApply, batchOf, loaded.heldWhole, loaded.partlyHeld);
      await writeEffects(store, e, { batchId, batches }, loaded, effects, context);
      return;
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      await backoff(attempt + 1);
    }
  }
  throw new RetryableError("too many concurrent changes to the same users or orgs");
}

/**
 * Step 3: completes each batch whose every event is claimed (by it or another batch) and whose claimed events this
 * delivery all wrote. Returns how many of the request's events count as accepted by this delivery (events without
 * id, and those of the batches it completed).
 */
async function completeBatches(store: Store, e: string, plan: Plan, now: number): Promise<number> {
  let accepted = plan.toApply.filter((event) => event.eventId === undefined).length;
  const carried = new Map<string, Set<string>>();
  for (const [eventId, batch] of plan.batchOf) carried.set(batch, (carried.get(batch) ?? new Set()).add(eventId));
  for (const [batch, eventIds] of carried) {
    const named = [...(plan.statuses.get(batch)?.events.keys() ?? [])];
    // Events of the batch this request didn't carry (another request sharing some of them): their claims now.
    const others = named.filter((id) => !plan.claims.has(id));
    const claims = others.length > 0 ? await readClaims(store, e, others) : new Map<string, Claim>();
    const whole = named.every((id) => {
      const claim = plan.claims.get(id) ?? claims.get(id);
      // Unclaimed: its delivery is under way (or will be retried), and it belongs here if it claims it.
      return claim !== undefined && (claim.batchId !== batch || eventIds.has(id));
    });
    if (named.length > 0 && whole && (await completeBatch(store, e, batch, now))) {
      // The request's own events of it (a batch applied from its stored events has others).
      accepted += [...eventIds].filter((id) => plan.requested.has(id)).length;
      const stored = plan.statuses.get(batch)?.stored;
      if (stored) await deleteBatchEvents(store, e, batch, stored);
    }
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
  const plan = await planDelivery(store, environmentId, events, now);
  await writeBatchEffects(store, environmentId, plan, now);
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
