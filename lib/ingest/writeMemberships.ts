import { batchWriteAll, type WriteRequest } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { UserMembershipItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import type { BatchEffects, BatchState } from "./applyEvents.js";

/** Step 2 of writeEffects: the org side of memberships, as puts and deletes (idempotent). */

function sameMembership(a: UserMembershipItem | undefined, b: UserMembershipItem): boolean {
  return !!a && a.role === b.role && a.since === b.since;
}

/**
 * An org's members as `MEMBER#` items, for the refresh's per-org Query (`num_users`, each user's `org_data`); a
 * user's own orgs live in the `orgs` map of its item, written with it in step 3.
 */
export async function writeMembershipItems(
  store: Store,
  e: string,
  loaded: BatchState,
  effects: BatchEffects,
): Promise<void> {
  const requests: WriteRequest[] = [];
  for (const [userId, { memberships }] of effects.state.users) {
    const before = loaded.users.get(userId)?.memberships ?? new Map<string, UserMembershipItem>();
    for (const [orgId, m] of memberships) {
      if (sameMembership(before.get(orgId), m)) continue;
      requests.push({
        PutRequest: { Item: { ...keys.orgMember(e, orgId, userId), user_id: userId, role: m.role, since: m.since } },
      });
    }
    for (const orgId of before.keys()) {
      if (memberships.has(orgId)) continue;
      requests.push({ DeleteRequest: { Key: keys.orgMember(e, orgId, userId) } });
    }
  }
  await batchWriteAll(store, store.tables.entities, requests);
}
