import { applyEvents, type BatchEffects, type BatchState, type KeyedEvent } from "./applyEvents.js";
import type { ByKind } from "./loadState.js";

/**
 * applyEvents for a delivery some of whose batches a user or org already holds (appliedBatches.ts): a later write
 * applied them, so applying their events to it again would replay them after that write's own events (a membership
 * added again after its removal). Each entity's state after the delivery is therefore:
 *  - held whole (`heldWhole`): as stored, untouched;
 *  - held in part (`partlyHeld`): what applying only the events of the batches it doesn't hold gives;
 *  - otherwise: what applying every event gives (applyEvents).
 * Everything else (activity, logs, invites, erasure jobs) is what applying every event gives: those writes are keyed
 * by the event and widen outward, so writing them again changes nothing. Pure.
 */
export function applyOverHeld(
  loaded: BatchState,
  events: KeyedEvent[],
  batchOf: ReadonlyMap<string, string>,
  heldWhole: { users: ReadonlySet<string>; orgs: ReadonlySet<string> },
  partlyHeld: ByKind<Set<string>>,
): BatchEffects {
  const effects = applyEvents(loaded, events);
  const asStored = applyEvents(loaded, []).state;
  for (const userId of heldWhole.users) {
    const state = asStored.users.get(userId);
    if (state) effects.state.users.set(userId, state);
  }
  for (const orgId of heldWhole.orgs) effects.state.orgs.set(orgId, asStored.orgs.get(orgId));
  // One run per distinct set of held batches (entities written by the same later delivery share it).
  const runs = new Map<string, { held: Set<string>; users: string[]; orgs: string[] }>();
  const runOf = (held: Set<string>) => {
    const key = [...held].sort().join(" ");
    const run = runs.get(key) ?? { held, users: [], orgs: [] };
    runs.set(key, run);
    return run;
  };
  for (const [userId, held] of partlyHeld.users) runOf(held).users.push(userId);
  for (const [orgId, held] of partlyHeld.orgs) runOf(held).orgs.push(orgId);
  for (const { held, users, orgs } of runs.values()) {
    const heldBatch = (event: KeyedEvent) => {
      const batchId = event.eventId === undefined ? undefined : batchOf.get(event.eventId);
      return batchId !== undefined && held.has(batchId);
    };
    const rest = applyEvents(
      loaded,
      events.filter((event) => !heldBatch(event)),
    ).state;
    for (const userId of users) {
      const state = rest.users.get(userId);
      if (state) effects.state.users.set(userId, state);
    }
    for (const orgId of orgs) effects.state.orgs.set(orgId, rest.orgs.get(orgId));
  }
  return effects;
}
