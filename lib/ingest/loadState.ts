import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { type ProfileItem, withProfiles } from "../storage/userProfile.js";
import type { BatchState, UserState } from "./applyEvents.js";
import { type PreImageDelta, stateBefore } from "./preImage.js";
import type { IngestEvent } from "./schema.js";

const CONSISTENT = { consistent: true };

/**
 * Every user and org write of ingestion carries the pre-image of that write: `prev_batch` (the ingestion batch that
 * wrote it) and what turns the item back into the entity as it was before: `prev_delta` / `prev_absent` (the
 * fields it changed, preImage.ts; neither when the write created it), or, on items written before issue 20, the
 * whole `prev_state`. A batch that failed after some of its writes landed is retried by recomputing all its effects
 * from the state *before* it, so the retry records exactly what one clean delivery would (see ingest.ts). A user's
 * `PROFILE` item, written in the same transaction, keeps its content before as `prev_profile` (userProfile.ts).
 */
export interface PreImage extends Partial<PreImageDelta> {
  prev_batch?: string;
  prev_state?: Record<string, unknown>;
}

/** A batch's starting state, and which users / orgs its own earlier attempt already wrote. */
export interface LoadedState {
  state: BatchState;
  writtenUsers: Set<string>;
  writtenOrgs: Set<string>;
}

/** Strips the storage keys and the pre-image off an item so the state holds only domain attributes. */
function domainAttributes<T>(item: Record<string, unknown>): T {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, prev_batch, prev_state, prev_delta, prev_absent, ...rest } = item;
  return rest as T;
}

/** The item as this batch must see it: its pre-image when one of `ownBatches` wrote it last. */
function asBefore(item: Record<string, unknown>, ownBatches: ReadonlySet<string>) {
  const { prev_batch, prev_state, prev_delta, prev_absent } = item as PreImage;
  if (prev_batch === undefined || !ownBatches.has(prev_batch)) return { item, written: false };
  if (prev_delta !== undefined)
    return { item: stateBefore(item, { prev_delta, prev_absent: prev_absent ?? [] }), written: true };
  return { item: prev_state && { ...prev_state }, written: true };
}

function userState(item: Record<string, unknown>): UserState {
  const { orgs, ...user } = domainAttributes<UserItem>(item);
  return { user, memberships: new Map((orgs ?? []).map((m) => [m.org_id, m])) };
}

/**
 * Reads the state a batch needs: every user it names (with its memberships, kept on the user item) and every org
 * it names or that those users belong to (their activity counts for those orgs). Strongly consistent, since what
 * follows is a version-checked write. A user or org last written by one of `ownBatches` (an earlier attempt of
 * this batch) is taken as it was before that write. Cost: one BatchGet per 100 users, then per 100 orgs.
 */
export async function loadBatchState(
  store: Store,
  environmentId: string,
  events: IngestEvent[],
  ownBatches: ReadonlySet<string> = new Set(),
): Promise<LoadedState> {
  const userIds = new Set<string>();
  const orgIds = new Set<string>();
  for (const event of events) {
    if ("user_id" in event) userIds.add(event.user_id);
    if ("org_id" in event && event.org_id !== undefined) orgIds.add(event.org_id);
  }
  const users = new Map<string, UserState>([...userIds].map((id) => [id, { user: undefined, memberships: new Map() }]));
  const writtenUsers = new Set<string>();
  const userItems = await batchGetAll(
    store,
    store.tables.entities,
    [...userIds].map((id) => keys.user(environmentId, id)),
    CONSISTENT,
  );
  const before: Record<string, unknown>[] = [];
  for (const stored of userItems) {
    const { item, written } = asBefore(stored, ownBatches);
    if (written) writtenUsers.add(stored.user_id as string);
    // Keyed as stored, so that its profile (apart) is found; as before this batch, so that it is the one before.
    if (item) before.push({ ...item, pk: stored.pk });
  }
  const ownContent = (profile: ProfileItem) =>
    profile.prev_batch !== undefined && ownBatches.has(profile.prev_batch) ? profile.prev_profile : profile;
  // Consistent, and flagged still: the user's write must know its profile is apart.
  const joined = await withProfiles(store, before, true, ownContent, true);
  for (const item of joined) {
    const state = userState(item);
    users.set(state.user?.user_id as string, state);
    for (const orgId of state.memberships.keys()) orgIds.add(orgId);
  }
  const orgs = new Map<string, OrgItem | undefined>([...orgIds].map((id) => [id, undefined]));
  const writtenOrgs = new Set<string>();
  const orgItems = await batchGetAll(
    store,
    store.tables.entities,
    [...orgIds].map((id) => keys.org(environmentId, id)),
    CONSISTENT,
  );
  for (const stored of orgItems) {
    const orgId = stored.org_id as string;
    const { item, written } = asBefore(stored, ownBatches);
    if (written) writtenOrgs.add(orgId);
    if (item) orgs.set(orgId, domainAttributes<OrgItem>(item));
  }
  return { state: { users, orgs }, writtenUsers, writtenOrgs };
}
