import { describe, expect, it } from "vitest";
import type { UserItem } from "../../lib/storage/items.js";
import { toUserObject } from "../../lib/users/userObject.js";

const base: UserItem = {
  user_id: "u1",
  username: null,
  email: null,
  first_name: null,
  last_name: null,
  profile_json: "{}",
  signup_query_parameters_json: "{}",
  created_at: Date.UTC(2024, 0, 2, 3, 4, 5, 6),
  last_modified: Date.UTC(2024, 1, 2, 3, 4, 5, 6),
  first_active_at: 0,
  last_active_at: 0,
  version: 1,
};

describe("toUserObject", () => {
  it("maps ids and instants, null for unknown strings, {} profile", () => {
    expect(toUserObject(base)).toStrictEqual({
      _id: "u1",
      username: null,
      profile: {},
      _createdOn: "2024-01-02T03:04:05.006Z",
      _lastModifiedOn: "2024-02-02T03:04:05.006Z",
      email: null,
      first_name: null,
      last_name: null,
    });
  });

  it("keeps known fields and the profile as sent", () => {
    const user = {
      ...base,
      username: "ann",
      email: "a@x",
      first_name: "Ann",
      last_name: "Lee",
      profile_json: '{"a":[1]}',
    };
    expect(toUserObject(user)).toMatchObject({
      username: "ann",
      email: "a@x",
      first_name: "Ann",
      last_name: "Lee",
      profile: { a: [1] },
    });
  });

  it("returns keys that are special in JavaScript as ordinary keys", () => {
    const profile = toUserObject({ ...base, profile_json: '{"__proto__":{"x":1},"constructor":2}' }).profile;
    expect(Object.keys(profile)).toEqual(["__proto__", "constructor"]);
    expect(JSON.stringify(profile)).toBe('{"__proto__":{"x":1},"constructor":2}');
  });
});
