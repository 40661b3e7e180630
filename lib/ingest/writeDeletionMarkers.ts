import { batchPutAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import type { BatchState } from "./applyEvents.js";

/**
 * The deleted-user markers (tableDesign.ts, "Deleted users for the history curves"): a user a batch deletes leaves
 * both GSIs, so the refresh could not find it any more, yet retention and lifecycle count it where its sign-up and
 * activity fell (CONTRACT §10). One plain Put per deletion, keyed by its last activity (no activity counts after a
 * deletion, so the key never moves). Written with the day sets, before the user: a retry rewrites the same item,
 * and a marker whose batch never completes names a user that is not deleted, which the refresh ignores.
 */
export async function writeDeletionMarkers(
  store: Store,
  e: string,
  before: BatchState,
  after: BatchState,
): Promise<void> {
  const markers: Record<string, unknown>[] = [];
  for (const [id, s] of after.users) {
    const user = s.user;
    if (user?.deleted_at === undefined || before.users.get(id)?.user?.deleted_at !== undefined) continue;
    markers.push({ ...keys.deletedUser(e, user.last_active_at, id), user_id: id });
    // By the instant of deletion too: a refresh at an earlier T still lists it in churn (it existed at T).
    markers.push({ ...keys.deletedUserByTime(e, user.deleted_at, id), user_id: id });
  }
  await batchPutAll(store, store.tables.activity, markers);
}
