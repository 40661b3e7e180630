import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { signupQueryParameters } from "../../lib/insights/signupParameters.js";
import type { Store } from "../../lib/storage/client.js";
import { getCurrentUser } from "../../lib/storage/currentUser.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { PROFILE_APART_BYTES } from "../../lib/storage/userProfile.js";
import { eraseUser } from "../../lib/tenants/erasure.js";
import { readSignupIndex } from "../../lib/users/storage.js";
import { toUserObject } from "../../lib/users/userObject.js";
import { testStore } from "../helpers/store.js";
import { environmentItems } from "../helpers/tableItems.js";

/**
 * Large profiles live on the user's PROFILE item (lib/storage/userProfile.ts): the hot user item that every activity
 * rewrites stays small, every reader still answers the whole profile, and an erasure leaves none of it anywhere.
 */

let store: Store;
let e: string;
const NOW = Date.now();
const at = (hoursAgo: number) => new Date(NOW - hoursAgo * 3_600_000).toISOString();
const bio = "x".repeat(2 * PROFILE_APART_BYTES);
const params = { utm_source: "y".repeat(PROFILE_APART_BYTES) };

const userItem = async (userId: string) =>
  (await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.user(e, userId) }))).Item ?? {};

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: e } = await createEnvironment(store, "profile-apart"));
  await ingestEvents(
    store,
    e,
    [
      { type: "user.created", user_id: "big", occurred_at: at(10), profile: { bio }, signup_query_parameters: params },
      { type: "user.created", user_id: "small", occurred_at: at(9), profile: { bio: "short" } },
      { type: "user.active", user_id: "big", occurred_at: at(5) },
    ],
    NOW,
  );
  await ingestEvents(store, e, [{ type: "user.active", user_id: "big", occurred_at: at(3) }], NOW);
});

describe("a user's large profile, apart from its hot item", () => {
  it("keeps the hot item small and its pre-image to the fields an activity changed", async () => {
    const big = await userItem("big");
    expect(big.profile_apart).toBe(true);
    expect(big.profile_json).toBeUndefined();
    expect(JSON.stringify(big).length).toBeLessThan(1024);
    for (const field of Object.keys(big.prev_delta as object))
      expect(["active_days", "active_hours", "first_active_at", "last_active_at", "last_modified"]).toContain(field);
    expect(big.prev_delta).toHaveProperty("last_active_at", NOW - 5 * 3_600_000);
    const small = await userItem("small");
    expect(small.profile_apart).toBeUndefined();
    expect(JSON.parse(small.profile_json as string)).toEqual({ bio: "short" });
  });

  it("is answered whole by every reader", async () => {
    const big = await getCurrentUser(store, e, "big");
    expect(big && toUserObject(big).profile).toEqual({ bio });
    expect(await signupQueryParameters(store, e, "big")).toEqual({ user_signup_query_parameters: params });
    const page = await readSignupIndex(store, e, { forward: true }, 10);
    expect(page.map((u) => [u.user_id, JSON.parse(u.profile_json).bio.length])).toEqual([
      ["big", bio.length],
      ["small", 5],
    ]);
  });

  it("follows a profile update and is gone with an erasure", async () => {
    await ingestEvents(store, e, [{ type: "user.updated", user_id: "big", profile: { bio: `${bio}!` } }], NOW);
    const updated = await getCurrentUser(store, e, "big");
    expect(updated && toUserObject(updated).profile).toEqual({ bio: `${bio}!` });
    await eraseUser(store, e, "big", NOW + 1000);
    const items = await environmentItems(store, e);
    expect(items.some((item) => item.includes("xxxxxxxx") || item.includes("yyyyyyyy"))).toBe(false);
    expect(items.some((item) => item.includes('"sk":"PROFILE"'))).toBe(false);
  });
});
