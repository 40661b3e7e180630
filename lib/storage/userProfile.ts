import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "./batch.js";
import type { Store } from "./client.js";
import type { UserItem } from "./items.js";
import { keys } from "./tableDesign.js";

/**
 * A user's large, rarely changed fields kept apart from the item every activity rewrites (issue 20 item 5).
 *
 * AWS bills a write by the size of the item (rounded up to 1 KB, the larger of before and after for an update, ×2 in
 * a transaction), whatever attribute it changes. A user item with a 10 KB `profile` made each activity in a new hour
 * cost ≈ 44 write units. So once `profile_json` and `signup_query_parameters_json` together outgrow
 * `PROFILE_APART_BYTES`, they move to the user's `PROFILE` item (same partition as its `USER` item) and the user
 * item says so (`profile_apart`); it stays apart from then on (no shrink case to handle) until the user is erased,
 * whose write deletes it. Only a write that changes them writes the `PROFILE` item, in the same transaction as the
 * user's versioned write, with the content it replaces (`prev_profile`) and the batch that wrote it (`prev_batch`):
 * a retry of that batch sees the profile as it was before, as it sees the user (lib/ingest/loadState.ts).
 *
 * | read                                  | cost                                                                   |
 * |---------------------------------------|------------------------------------------------------------------------|
 * | a user (getCurrentUser)               | 1 GetItem, + 1 GetItem when its profile is apart                        |
 * | a page of users (usersOfIndexRows)    | BatchGet of the page, + BatchGet of the page's users whose profile is apart |
 * Small profiles (the common case) cost nothing more to read or write.
 */

export const PROFILE_APART_BYTES = 512;

/** The fields that move apart. */
export interface ProfileFields {
  profile_json: string;
  signup_query_parameters_json: string;
}

/** The stored `PROFILE` item's attributes (besides its keys). */
export interface ProfileItem extends ProfileFields {
  prev_batch?: string;
  prev_profile?: ProfileFields;
}

const bytes = (s: string | undefined) => Buffer.byteLength(s ?? "", "utf8");

/** Whether a user whose profile was (`wasApart`) apart keeps it apart with these fields. */
export function keepsProfileApart(fields: Partial<ProfileFields>, wasApart: boolean): boolean {
  return wasApart || bytes(fields.profile_json) + bytes(fields.signup_query_parameters_json) > PROFILE_APART_BYTES;
}

/** The user's fields split into the hot item's and the `PROFILE` item's (none when its profile stays inline). */
export function splitUser(
  user: Partial<UserItem> & Record<string, unknown>,
  apart: boolean,
): { hot: Record<string, unknown>; profile?: ProfileFields } {
  if (!apart) return { hot: user };
  const { profile_json, signup_query_parameters_json, ...hot } = user;
  return {
    hot: { ...hot, profile_apart: true },
    profile: { profile_json: profile_json ?? "{}", signup_query_parameters_json: signup_query_parameters_json ?? "{}" },
  };
}

/** The user with its profile fields back in place (`profile` the `PROFILE` item's, when apart). */
export function joinUser<T extends { profile_apart?: boolean }>(
  user: T,
  profile: Partial<ProfileFields> | undefined,
): Omit<T, "profile_apart"> & ProfileFields {
  const { profile_apart, ...rest } = user;
  if (!profile_apart) return rest as Omit<T, "profile_apart"> & ProfileFields;
  return {
    ...rest,
    profile_json: profile?.profile_json ?? "{}",
    signup_query_parameters_json: profile?.signup_query_parameters_json ?? "{}",
  };
}

/** `users` (as stored, keys included) with their profiles: one BatchGet of those whose profile is apart. */
export async function withProfiles<T extends { pk?: string; profile_apart?: boolean }>(
  store: Store,
  users: T[],
  consistent = false,
  /** Which content of a `PROFILE` item to join (ingestion's retry: the one before its own write). */
  contentOf: (profile: ProfileItem) => Partial<ProfileFields> | undefined = (profile) => profile,
  keepFlag = false,
): Promise<(Omit<T, "profile_apart"> & ProfileFields)[]> {
  const apart = users.filter((u) => u.profile_apart && u.pk !== undefined).map((u) => u.pk as string);
  const profiles = new Map<string, ProfileItem & { pk: string }>();
  if (apart.length > 0) {
    const items = await batchGetAll<ProfileItem & { pk: string }>(
      store,
      store.tables.entities,
      apart.map((pk) => ({ pk, sk: keys.userProfileSk })),
      { consistent },
    );
    for (const item of items) profiles.set(item.pk, item);
  }
  return users.map((u) => {
    const item = u.pk === undefined ? undefined : profiles.get(u.pk);
    const joined = joinUser(u, item && contentOf(item));
    return keepFlag && u.profile_apart ? { ...joined, profile_apart: true } : joined;
  });
}

/** One user's profile item (GetItem), when its profile is apart. */
export async function profileOf(store: Store, environmentId: string, userId: string) {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.userProfile(environmentId, userId) }),
  );
  return got.Item as ProfileItem | undefined;
}
