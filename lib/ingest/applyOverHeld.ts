import { applyEvents, type BatchEffects, type BatchState, type KeyedEvent } from "./applyEvents.js";
import type { ByKind } from "./loadState.js";

/**
 * applyEvents for a delivery some of whose batches a user or org already holds (appliedBatches.ts): a later write
 * applied them, so applying their events to it again would replay them after that write's own events (a membership
 * added again after its removal). So, for each user and org:
 *  - held whole (`heldWhole`): its state stays as stored, and the records about the user that its events give
 *    (membership-change logs, invites, erasure jobs) are left out: the delivery that applied them wrote them first;
 *  - held in part (`partlyHeld`): its state and those records are what applying only the events of the batches it
 *    doesn't hold gives;
 *  - otherwise: what applying every event gives (applyEvents).
 * Activity points are what applying every event gives: a day member only widens outward, so one written again
 * changes nothing. (An org's activity through a held user's membership is taken from the user's state as stored, the
 * one approximation: README "Exactly once".) Pure.
 */

type UserRecords = Pick<BatchEffects, "memberChanges" | "invites" | "erasures">;

/** The user each record is about. */
const recordUser = {
  memberChanges: (r: BatchEffects["memberChanges"][number]) => r.item.user_id,
  invites: (r: BatchEffects["invites"][number]) => r.item.inviter_id,
  erasures: (r: BatchEffects["erasures"][number]) => r.userId,
};

/** `effects`' records about `users` replaced by `from`'s (none when `from` is undefined). */
function replaceRecords(effects: BatchEffects, users: ReadonlySet<string>, from: UserRecords | undefined) {
  const others = <T>(records: T[], userOf: (r: T) => string) => records.filter((r) => !users.has(userOf(r)));
  const theirs = <T>(records: T[] | undefined, userOf: (r: T) => string) =>
    (records ?? []).filter((r) => users.has(userOf(r)));
  effects.memberChanges = [
    ...others(effects.memberChanges, recordUser.memberChanges),
    ...theirs(from?.memberChanges, recordUser.memberChanges),
  ];
  effects.invites = [...others(effects.invites, recordUser.invites), ...theirs(from?.invites, recordUser.invites)];
  effects.erasures = [...others(effects.erasures, recordUser.erasures), ...theirs(from?.erasures, recordUser.erasures)];
}

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
  replaceRecords(effects, heldWhole.users, undefined);
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
    const rest = applyEvents(loaded, events.filter((event) => !heldBatch(event)));
    for (const userId of users) {
      const state = rest.state.users.get(userId);
      if (state) effects.state.users.set(userId, state);
    }
    for (const orgId of orgs) effects.state.orgs.set(orgId, rest.state.orgs.get(orgId));
    replaceRecords(effects, new Set(users), rest);
  }
  return effects;
}
