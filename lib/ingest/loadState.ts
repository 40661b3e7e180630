import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { type ProfileItem, withProfiles } from "../storage/userProfile.js";
import { heldBatches } from "./appliedBatches.js";
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

/** Per user id and per org id. */
export interface ByKind<T> {
  users: Map<string, T>;
  orgs: Map<string, T>;
}

/**
 * A batch's starting state, and which users / orgs it must not write: those its own earlier attempt already wrote
 * (taken as they were before it), and those a later write already holds every batch of this delivery in
 * (appliedBatches.ts; taken as they are, and left as they are).
 */
export interface LoadedState {
  state: BatchState;
  writtenUsers: Set<string>;
  writtenOrgs: Set<string>;
  /** The written ones that hold every batch of this delivery (written by a later delivery, not by its own). */
  heldWhole: { users: Set<string>; orgs: Set<string> };
  /** The entities holding some, not all, of this delivery's batches: which ones (the rest is applied to them). */
  partlyHeld: ByKind<Set<string>>;
  /** Each loaded entity's stored `applied` attribute, and each user's stored version. */
  applied: ByKind<unknown>;
  userVersions: Map<string, number>;
}

/** Strips the storage keys and the pre-image off an item so the state holds only domain attributes. */
function domainAttributes<T>(item: Record<string, unknown>): T {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, prev_batch, prev_state, prev_delta, prev_absent, applied, ...rest } =
    item;
  return rest as T;
}

/**
 * The item as this delivery must see it: its pre-image when one of `ownBatches` wrote it last; as it is otherwise,
 * `written` too when it holds every one of `batches` (a later write applied them all), `held` the ones it holds.
 */
function asBefore(item: Record<string, unknown>, ownBatches: ReadonlySet<string>, batches: readonly string[]) {
  const { prev_batch, prev_state, prev_delta, prev_absent } = item as PreImage;
  if (prev_batch === undefined || !ownBatches.has(prev_batch)) {
    const held = heldBatches(item.applied, batches);
    return { item, written: batches.length > 0 && held.size === batches.length, held };
  }
  const held = new Set<string>();
  if (prev_delta !== undefined)
    return { item: stateBefore(item, { prev_delta, prev_absent: prev_absent ?? [] }), written: true, held };
  return { item: prev_state && { ...prev_state }, written: true, held };
}

function userState(item: Record<string, unknown>): UserState {
  const { orgs, ...user } = domainAttributes<UserItem>(item);
  return { user, memberships: new Map((orgs ?? []).map((m) => [m.org_id, m])) };
}

/**
 * Reads the state a batch needs: every user it names (with its memberships, kept on the user item) and every org
 * it names or that those users belong to (their activity counts for those orgs). Strongly consistent, since what
 * follows is a version-checked write. A user or org last written by one of `ownBatches` (an earlier attempt of
 * this batch) is taken as it was before that write; one that holds some of `batches` (the batches whose events this
 * delivery applies) is flagged so (appliedBatches.ts). Cost: one BatchGet per 100 users, then per 100 orgs.
 */
export async function loadBatchState(
  store: Store,
  environmentId: string,
  events: IngestEvent[],
  ownBatches: ReadonlySet<string> = new Set(),
  batches: readonly string[] = [],
): Promise<LoadedState> {
  const userIds = new Set<string>();
  const orgIds = new Set<string>();
  for (const event of events) {
    if ("user_id" in event) userIds.add(event.user_id);
    if ("org_id" in event && event.org_id !== undefined) orgIds.add(event.org_id);
  }
  const users = new Map<string, UserState>([...userIds].map((id) => [id, { user: undefined, memberships: new Map() }]));
  const writtenUsers = new Set<string>();
  const heldWhole = { users: new Set<string>(), orgs: new Set<string>() };
  const partlyHeld: ByKind<Set<string>> = { users: new Map(), orgs: new Map() };
  const applied: ByKind<unknown> = { users: new Map(), orgs: new Map() };
  const userVersions = new Map<string, number>();
  const userItems = await batchGetAll(
    store,
    store.tables.entities,
    [...userIds].map((id) => keys.user(environmentId, id)),
    CONSISTENT,
  );
  const before: Record<string, unknown>[] = [];
  for (const stored of userItems) {
    const userId = stored.user_id as string;
    const { item, written, held } = asBefore(stored, ownBatches, batches);
    if (written) writtenUsers.add(userId);
    if (written && held.size > 0) heldWhole.users.add(userId);
    else if (held.size > 0) partlyHeld.users.set(userId, held);
    applied.users.set(userId, stored.applied);
    userVersions.set(userId, stored.version as number);
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
    const { item, written, held } = asBefore(stored, ownBatches, batches);
    if (written) writtenOrgs.add(orgId);
    if (written && held.size > 0) heldWhole.orgs.add(orgId);
    else if (held.size > 0) partlyHeld.orgs.set(orgId, held);
    applied.orgs.set(orgId, stored.applied);
    if (item) orgs.set(orgId, domainAttributes<OrgItem>(item));
  }
  return { state: { users, orgs }, writtenUsers, writtenOrgs, heldWhole, partlyHeld, applied, userVersions };
}
