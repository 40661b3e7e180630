import type { Store } from "../storage/client.js";
import type { BatchEffects } from "./applyEvents.js";
import { bumpGenerations, daysToBump, generationBumps } from "./hourGenerations.js";
import type { LoadedState } from "./loadState.js";
import { writeActivitySets, writeLogs } from "./writeActivity.js";
import { writeDeletionMarkers } from "./writeDeletionMarkers.js";
import { writeEntities } from "./writeEntities.js";
import { writeErasureJobs } from "./writeErasures.js";
import { writeMembershipItems } from "./writeMemberships.js";

export { VersionConflict } from "./writeEntities.js";

/**
 * Writes what a batch recorded, in an order that makes a retry after a failure at any point count nothing twice:
 *
 *  1. day sets of active users / orgs — each member put if absent, else its first/last instant widened outward
 *     (writeActivity.ts); invite and membership-change logs put under the event's key. All idempotent, no
 *     transaction: the distinct counts of days, weeks and months move in step 3, from the entities' calendars;
 *     a marker for each user the batch deletes (writeDeletionMarkers.ts). Each invite is also indexed by its
 *     invitee's email hash, and each `user.erased` records its erasure job (writeErasures.ts): both before the user
 *     write, so a batch that erased a user left its job behind. After the members, the generation of each old day
 *     (before yesterday at `now`) on which a user member may have gained a clock hour is bumped: one ADD per month
 *     (lib/ingest/hourGenerations.ts); a reader recomputes that day's hour counts from its members.
 *  2. (none: the org side of memberships was written here, before the users; it is step 4 now, so that it follows
 *     the user write that landed rather than the one a delivery meant.)
 *  3. users and orgs, grouped in transactions with the counters their changes move (sign-ups, orgs created,
 *     existing users, last-active hours, the active sets' distinct counts through each entity's calendar of
 *     active days, and the hour counts of live days through each user's calendar of clock hours), each conditional
 *     on the version read and adding the delivery's batches to the entity's `applied` list (appliedBatches.ts).
 *     This is the state that gates later events (deletion, memberships): a retry re-reads it and recomputes exactly
 *     what 1 wrote.
 *  4. the org side of memberships, from the users' stored versions (writeMemberships.ts), conditional on the version.
 *
 * A version conflict in step 3 (a concurrent batch changed the same user or org) throws VersionConflict: the
 * caller re-reads and re-applies the whole batch, whose effects are all idempotent.
 */

/** How a delivery writes: its instant (what is live), and whether it resumes a batch another delivery began. */
export interface DeliveryContext {
  now: number;
  /** The delivery resumes a batch an earlier or concurrent delivery began, or applies events without `event_id`. */
  resumes: boolean;
  /**
   * Whether another delivery marked this one's batch resumed (claims.ts `markResumed`), asked after this delivery's
   * members are written; only when it would bump more days (hourGenerations.ts).
   */
  resumedByAnother: () => Promise<boolean>;
}

/** Steps 1–3 above, in order. */
export async function writeEffects(
  store: Store,
  e: string,
  stamp: { batchId: string; batches: readonly string[] },
  loaded: LoadedState,
  effects: BatchEffects,
  { now, resumes, resumedByAnother }: DeliveryContext,
): Promise<void> {
  const activitySets = async () => {
    const opened = await writeActivitySets(store, e, effects.activity);
    const everyDay = daysToBump({ opened, activity: effects.activity, resumes: true, now });
    const openedDays = resumes ? everyDay : daysToBump({ opened, activity: effects.activity, resumes: false, now });
    // A first delivery whose batch a concurrent one resumed: that one may have opened hours of these days and died
    // before its bump, and this one's members can't tell (hourGenerations.ts).
    const widen = !resumes && everyDay.length > openedDays.length && (await resumedByAnother());
    await bumpGenerations(store, e, generationBumps(widen ? everyDay : openedDays));
  };
  await Promise.all([
    activitySets(),
    writeLogs(store, e, effects),
    writeDeletionMarkers(store, e, loaded.state, effects.state),
    writeErasureJobs(store, e, effects),
  ]);
  const userVersions = await writeEntities(store, e, stamp, loaded, effects, now);
  await writeMembershipItems(store, e, loaded, effects, userVersions, now);
}
