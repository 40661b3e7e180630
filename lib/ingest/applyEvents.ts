import type { InviteItem, MemberChangeItem, OrgItem, UserItem, UserMembershipItem } from "../storage/items.js";
import { withEmailHash } from "./emailHash.js";
import type { IngestEvent } from "./schema.js";

/**
 * The rules of CONTRACT §3, as a pure function: a batch of events (in order) applied to the state of the users and
 * orgs it touches, giving the new state and everything to record. No I/O: storage is loaded before and written
 * after (see ingest.ts), so the rules are tested on their own.
 */

/** An event with the key that makes its recorded effects idempotent (its event_id, or one drawn per request). */
export type KeyedEvent = IngestEvent & { eventKey: string };

export interface UserState {
  /** The stored user, or undefined when the environment doesn't know it yet. */
  user: UserItem | undefined;
  /** Its current memberships, by org id. */
  memberships: Map<string, UserMembershipItem>;
}

export interface BatchState {
  users: Map<string, UserState>;
  orgs: Map<string, OrgItem | undefined>;
}

export interface ActivityPoint {
  kind: "user" | "org";
  id: string;
  at: number;
}

export interface BatchEffects {
  /** Final state of every user and org the batch touched (compare with the loaded state to find changes). */
  state: BatchState;
  activity: ActivityPoint[];
  invites: { eventKey: string; item: InviteItem }[];
  memberChanges: { eventKey: string; item: MemberChangeItem }[];
  /**
   * One per `user.erased` applied: the erasure job to record (lib/tenants/erasureJob.ts), with the hashes of every
   * email the user had (its item drops them with its other personal fields).
   */
  erasures: { userId: string; at: number; emailHashes: string[] }[];
  /**
   * Every (user, org) a membership event names, whatever it changed: the org-side items a delivery brings in line
   * with the user's stored memberships when another delivery wrote the user (writeMemberships.ts).
   */
  namedMemberships: { userId: string; orgId: string }[];
}

function cloneState(state: BatchState): BatchState {
  const users = new Map<string, UserState>();
  for (const [id, s] of state.users) {
    users.set(id, {
      user: s.user && { ...s.user },
      memberships: new Map([...s.memberships].map(([org, m]) => [org, { ...m }])),
    });
  }
  const orgs = new Map<string, OrgItem | undefined>();
  for (const [id, o] of state.orgs) orgs.set(id, o && { ...o });
  return { users, orgs };
}

/** The personal fields of a user that knows none (a new user's, an erased user's). */
const NO_PERSONAL_FIELDS = {
  username: null,
  email: null,
  first_name: null,
  last_name: null,
  profile_json: "{}",
  signup_query_parameters_json: "{}",
} as const;

/** A user created at `at` (its sign-up counts as activity), knowing nothing else. */
export function newUser(userId: string, at: number): UserItem {
  return {
    user_id: userId,
    ...NO_PERSONAL_FIELDS,
    created_at: at,
    last_modified: at,
    first_active_at: at,
    last_active_at: at,
    version: 0,
  };
}

/** Every personal field of a user item: what an erasure drops (and its write's pre-image leaves out). */
export const PERSONAL_FIELD_NAMES = [...Object.keys(NO_PERSONAL_FIELDS), "email_hashes"];

const PROFILE_FIELDS = ["username", "email", "first_name", "last_name"] as const;

/** A user's state without any personal field (what `user.erased` leaves, in the shapes readers expect). */
export function withoutPersonalFields<T extends Partial<UserItem>>(user: T): T {
  const { email_hashes, ...rest } = user;
  return { ...rest, ...NO_PERSONAL_FIELDS } as T;
}

export function applyEvents(loaded: BatchState, events: KeyedEvent[]): BatchEffects {
  const state = cloneState(loaded);
  const activity: ActivityPoint[] = [];
  const invites: BatchEffects["invites"] = [];
  const memberChanges: BatchEffects["memberChanges"] = [];
  const erasures: BatchEffects["erasures"] = [];
  const namedMemberships: BatchEffects["namedMemberships"] = [];

  const userState = (userId: string): UserState => {
    let s = state.users.get(userId);
    if (!s) {
      s = { user: undefined, memberships: new Map() };
      state.users.set(userId, s);
    }
    return s;
  };

  const orgActive = (org: OrgItem, at: number) => {
    org.first_active_at = Math.min(org.first_active_at, at);
    org.last_active_at = Math.max(org.last_active_at, at);
    activity.push({ kind: "org", id: org.org_id, at });
  };

  // A user's activity counts for the orgs it is a member of at that moment (CONTRACT §3, Membership).
  const userActive = (s: UserState, at: number) => {
    const user = s.user as UserItem;
    user.first_active_at = Math.min(user.first_active_at, at);
    user.last_active_at = Math.max(user.last_active_at, at);
    activity.push({ kind: "user", id: user.user_id, at });
    for (const orgId of s.memberships.keys()) orgActive(ensureOrg(orgId, at), at);
  };

  /** The user, created implicitly (exists from `at`, active at its sign-up) when unknown. */
  const ensureUser = (userId: string, at: number): UserState => {
    const s = userState(userId);
    if (!s.user) {
      s.user = newUser(userId, at);
      userActive(s, at);
    }
    return s;
  };

  const ensureOrg = (orgId: string, at: number): OrgItem => {
    let org = state.orgs.get(orgId);
    if (!org) {
      org = { org_id: orgId, name: null, created_at: at, first_active_at: at, last_active_at: at, version: 0 };
      state.orgs.set(orgId, org);
      activity.push({ kind: "org", id: orgId, at });
    }
    return org;
  };

  /** The live (not deleted) user for an event about it, or undefined when the event must change nothing. */
  const liveUser = (userId: string, at: number): UserState | undefined => {
    const s = ensureUser(userId, at);
    return s.user?.deleted_at === undefined ? s : undefined;
  };

  const removeMembership = (s: UserState, orgId: string, at: number, eventKey: string) => {
    s.memberships.delete(orgId);
    memberChanges.push({
      eventKey,
      item: { org_id: orgId, user_id: (s.user as UserItem).user_id, change: "removed", at },
    });
  };

  for (const event of events) {
    const { at, eventKey } = event;
    switch (event.type) {
      case "user.created":
      case "user.updated": {
        const known = userState(event.user_id).user !== undefined;
        const s = liveUser(event.user_id, at);
        if (!s) break;
        const user = s.user as UserItem;
        for (const field of PROFILE_FIELDS) if (event[field] !== undefined) user[field] = event[field] ?? null;
        if (typeof event.email === "string") user.email_hashes = withEmailHash(user.email_hashes, event.email);
        if (event.profile !== undefined) user.profile_json = JSON.stringify(event.profile);
        if (event.signup_query_parameters !== undefined) {
          user.signup_query_parameters_json = JSON.stringify(event.signup_query_parameters);
        }
        // The latest change's instant: a change processed late replaces the fields but doesn't move it back.
        user.last_modified = Math.max(user.last_modified ?? user.created_at, at);
        // A user is created once: a later-processed user.created moves created_at to the earlier instant.
        if (event.type === "user.created" && known && at < user.created_at) {
          user.created_at = at;
          userActive(s, at);
        }
        break;
      }
      case "user.deleted": {
        const s = liveUser(event.user_id, at);
        if (!s) break;
        (s.user as UserItem).deleted_at = at;
        // Deleting a user ends its memberships, each a removal at the deletion's instant.
        for (const orgId of [...s.memberships.keys()].sort()) removeMembership(s, orgId, at, eventKey);
        break;
      }
      case "user.erased": {
        // The right to erasure: deleted as by user.deleted (memberships end, counts stay), then every personal
        // field is dropped; an erased user is never changed again. Erasing a deleted user still drops its fields.
        const s = ensureUser(event.user_id, at);
        const user = s.user as UserItem;
        // Its job runs again for a later erasure too (harmless): the snapshot rows, and invites it may have missed.
        erasures.push({ userId: event.user_id, at, emailHashes: user.email_hashes ?? [] });
        if (user.erased_at !== undefined) break;
        if (user.deleted_at === undefined) {
          user.deleted_at = at;
          for (const orgId of [...s.memberships.keys()].sort()) removeMembership(s, orgId, at, eventKey);
        }
        s.user = {
          ...withoutPersonalFields(user),
          erased_at: at,
          last_modified: Math.max(user.last_modified ?? user.created_at, at),
        };
        break;
      }
      case "user.active": {
        const s = liveUser(event.user_id, at);
        if (s) userActive(s, at);
        break;
      }
      case "user.invited": {
        const s = liveUser(event.user_id, at);
        if (!s) break;
        if (event.org_id !== undefined) ensureOrg(event.org_id, at);
        invites.push({
          eventKey,
          item: { inviter_id: event.user_id, invitee_email: event.invitee_email, org_id: event.org_id ?? null, at },
        });
        break;
      }
      case "org.created":
      case "org.updated": {
        const known = state.orgs.get(event.org_id) !== undefined;
        const org = ensureOrg(event.org_id, at);
        org.name = event.name;
        if (event.type === "org.created" && known && at < org.created_at) {
          org.created_at = at;
          orgActive(org, at);
        }
        break;
      }
      case "org.member_added": {
        namedMemberships.push({ userId: event.user_id, orgId: event.org_id });
        ensureOrg(event.org_id, at);
        const s = liveUser(event.user_id, at);
        if (!s || s.memberships.has(event.org_id)) break;
        s.memberships.set(event.org_id, { org_id: event.org_id, role: event.role ?? null, since: at });
        memberChanges.push({
          eventKey,
          item: { org_id: event.org_id, user_id: event.user_id, change: "added", at },
        });
        break;
      }
      case "org.member_removed": {
        namedMemberships.push({ userId: event.user_id, orgId: event.org_id });
        ensureOrg(event.org_id, at);
        const s = liveUser(event.user_id, at);
        if (s?.memberships.has(event.org_id)) removeMembership(s, event.org_id, at, eventKey);
        break;
      }
    }
  }
  return { state, activity, invites, memberChanges, erasures, namedMemberships };
}
