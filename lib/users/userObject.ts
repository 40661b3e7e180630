import type { UserItem } from "../storage/items.js";

/** The USER object of CONTRACT §5 (exact): unknown strings are `null`, `profile` `{}` when none was sent. */
export interface UserObject {
  _id: string;
  username: string | null;
  profile: Record<string, unknown>;
  _createdOn: string;
  _lastModifiedOn: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
}

export function toUserObject(user: UserItem): UserObject {
  return {
    _id: user.user_id,
    username: user.username ?? null,
    profile: JSON.parse(user.profile_json ?? "{}"),
    _createdOn: new Date(user.created_at).toISOString(),
    _lastModifiedOn: new Date(user.last_modified ?? user.created_at).toISOString(),
    email: user.email ?? null,
    first_name: user.first_name ?? null,
    last_name: user.last_name ?? null,
  };
}
