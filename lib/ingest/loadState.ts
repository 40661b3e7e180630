import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem, UserMembershipItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import type { BatchState, UserState } from "./applyEvents.js";
import type { IngestEvent } from "./schema.js";

const CONSISTENT = { consistent: true };

/** Strips the storage keys off an item so the state holds only domain attributes. */
function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ...rest } = item;
  return rest as T;
}

/**
 * Reads the state a batch needs: every user it names (with its memberships, kept on the user item) and every org
 * it names or that those users belong to (their activity counts for those orgs). Strongly consistent, since what
 * follows is a version-checked write. Cost: one BatchGet per 100 users, then per 100 orgs.
 */
export async function loadBatchState(store: Store, environmentId: string, events: IngestEvent[]): Promise<BatchState> {
  const userIds = new Set<string>();
  const orgIds = new Set<string>();
  for (const event of events) {
    if ("user_id" in event) userIds.add(event.user_id);
    if ("org_id" in event && event.org_id !== undefined) orgIds.add(event.org_id);
  }
  const users = new Map<string, UserState>([...userIds].map((id) => [id, { user: undefined, memberships: new Map() }]));
  const userItems = await batchGetAll(
    store,
    store.tables.entities,
    [...userIds].map((id) => keys.user(environmentId, id)),
    CONSISTENT,
  );
  for (const item of userItems) {
    const { orgs, ...user } = withoutKeys<UserItem>(item);
    const memberships = new Map<string, UserMembershipItem>(Object.entries(orgs ?? {}));
    users.set(user.user_id, { user, memberships });
    for (const orgId of memberships.keys()) orgIds.add(orgId);
  }
  const orgs = new Map<string, OrgItem | undefined>([...orgIds].map((id) => [id, undefined]));
  const orgItems = await batchGetAll(
    store,
    store.tables.entities,
    [...orgIds].map((id) => keys.org(environmentId, id)),
    CONSISTENT,
  );
  for (const item of orgItems) {
    const org = withoutKeys<OrgItem>(item);
    orgs.set(org.org_id, org);
  }
  return { users, orgs };
}
