import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/ingest.js";
import { createApiKey, createEnvironment, revokeApiKey } from "../../lib/auth/credentials.js";
import { queryAll } from "../../lib/storage/batch.js";
import type { Store } from "../../lib/storage/client.js";
import { readBucketCounts } from "../../lib/storage/monthCounters.js";
import { type ActivityMetric, type Cadence, keys } from "../../lib/storage/tableDesign.js";
import { currentUserCount } from "../../lib/users/storage.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

let store: Store;
let environmentId: string;
let apiKey: string;

const post = (body: unknown, key = apiKey) =>
  invoke(handler, {
    method: "POST",
    path: "/api/backend/v1/events",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body,
  });

async function counter(e: string, metric: ActivityMetric, cadence: Cadence, bucket: string): Promise<number> {
  return (await readBucketCounts(store, e, metric, cadence, bucket, bucket)).get(bucket) ?? 0;
}

/** Every item of one activity-table partition. */
const activityPartition = (pk: string) =>
  queryAll(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": pk },
  });

async function setMembers(e: string, metric: "active_users" | "active_orgs", cadence: Cadence, bucket: string) {
  const items = await activityPartition(keys.activitySetPk(e, metric, cadence, bucket));
  return items.map((i) => ({ id: i.sk as string, min_at: i.min_at as number, max_at: i.max_at as number }));
}

/** The existing users' counter, as the users routes read it (its sub-items summed). */
const userCount = (e: string) => currentUserCount(store, e);

async function user(e: string, id: string) {
  const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.user(e, id) }));
  return got.Item;
}

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "ingest-tests"));
});

describe("POST /api/backend/v1/events", () => {
  it("applies a good batch in order and records every aggregate", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "good-batch");
    const res = await post(
      {
        events: [
          {
            type: "user.created",
            user_id: "alice",
            email: "a@x.io",
            occurred_at: "2026-01-05T10:00:00Z",
            event_id: "g1",
          },
          { type: "org.created", org_id: "acme", name: "Acme", occurred_at: "2026-01-05T09:00:00Z" },
          {
            type: "org.member_added",
            org_id: "acme",
            user_id: "alice",
            role: "owner",
            occurred_at: "2026-01-05T11:00:00Z",
          },
          { type: "user.active", user_id: "alice", occurred_at: "2026-01-05T23:59:59.999Z" },
          { type: "user.active", user_id: "bob", occurred_at: "2026-01-06T00:00:00.000Z" },
          { type: "user.active", user_id: "alice", occurred_at: 1767657600 }, // 2026-01-06T00:00:00Z
          {
            type: "user.invited",
            user_id: "alice",
            invitee_email: "c@x.io",
            org_id: "acme",
            occurred_at: "2026-01-06T01:00:00Z",
          },
        ],
      },
      api_key,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 7, duplicates: 0 });
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.headers["x-request-id"]).toBeTruthy();

    // Day edges are UTC: 23:59:59.999 is the 5th, 00:00 the 6th.
    expect((await setMembers(e, "active_users", "day", "2026-01-05")).map((m) => m.id)).toEqual(["alice"]);
    expect((await setMembers(e, "active_users", "day", "2026-01-06")).map((m) => m.id).sort()).toEqual([
      "alice",
      "bob",
    ]);
    const aliceDay5 = (await setMembers(e, "active_users", "day", "2026-01-05"))[0];
    expect(aliceDay5).toEqual({
      id: "alice",
      min_at: Date.parse("2026-01-05T10:00:00Z"),
      max_at: Date.parse("2026-01-05T23:59:59.999Z"),
    });
    expect(await counter(e, "active_users", "day", "2026-01-05")).toBe(1);
    expect(await counter(e, "active_users", "day", "2026-01-06")).toBe(2);
    // Mon 2026-01-05 starts the ISO week: both days are one week, in which 2 distinct users were active.
    expect(await counter(e, "active_users", "week", "2026-01-05")).toBe(2);
    expect(await counter(e, "active_users", "month", "2026-01")).toBe(2);
    expect(await counter(e, "signups", "day", "2026-01-05")).toBe(1);
    expect(await counter(e, "signups", "day", "2026-01-06")).toBe(1);
    expect(await counter(e, "orgs_created", "day", "2026-01-05")).toBe(1);
    // acme: active at creation (5th) and when alice, a member since 11:00, was active (5th and 6th).
    expect((await setMembers(e, "active_orgs", "day", "2026-01-06")).map((m) => m.id)).toEqual(["acme"]);
    expect(await counter(e, "active_orgs", "day", "2026-01-05")).toBe(1);
    expect(await userCount(e)).toBe(2);
    const alice = await user(e, "alice");
    expect(alice?.email).toBe("a@x.io");
    expect(alice?.last_active_at).toBe(Date.parse("2026-01-06T00:00:00Z"));
    const invites = await activityPartition(keys.invitesPk(e, "2026-01-06"));
    expect(invites.map((i) => [i.inviter_id, i.org_id])).toEqual([["alice", "acme"]]);
  });

  it("writes nothing when one event of the batch is invalid", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "bad-batch");
    const res = await post(
      {
        events: [
          { type: "user.created", user_id: "u1", occurred_at: "2026-01-05T10:00:00Z" },
          { type: "user.active", user_id: "u1", occurred_at: "2026-13-40" },
          { type: "user.active" },
        ],
      },
      api_key,
    );
    expect(res.status).toBe(400);
    const body = res.body as { error: string; event_errors: { index: number; field: string; message: string }[] };
    expect(body.error).toBe("invalid_events");
    expect(body.event_errors.map((x) => [x.index, x.field])).toEqual([
      [1, "occurred_at"],
      [2, "user_id"],
    ]);
    expect(await user(e, "u1")).toBeUndefined();
    expect(await userCount(e)).toBe(0);
    expect(await counter(e, "signups", "day", "2026-01-05")).toBe(0);
  });

  it("counts the same batch sent twice once, and repeats inside a batch as duplicates", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "dupes");
    const batch = {
      events: [
        { type: "user.created", user_id: "u1", occurred_at: "2026-02-01T10:00:00Z", event_id: "c1" },
        {
          type: "user.invited",
          user_id: "u1",
          invitee_email: "x@y.z",
          occurred_at: "2026-02-01T11:00:00Z",
          event_id: "i1",
        },
        {
          type: "user.invited",
          user_id: "u1",
          invitee_email: "x@y.z",
          occurred_at: "2026-02-01T11:00:00Z",
          event_id: "i1",
        },
      ],
    };
    expect((await post(batch, api_key)).body).toEqual({ accepted: 2, duplicates: 1 });
    expect((await post(batch, api_key)).body).toEqual({ accepted: 0, duplicates: 3 });
    expect(await counter(e, "signups", "day", "2026-02-01")).toBe(1);
    const invites = await activityPartition(keys.invitesPk(e, "2026-02-01"));
    expect(invites).toHaveLength(1);
  });

  it("counts concurrent retries of one batch once", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "concurrent");
    const events: object[] = [];
    for (let i = 0; i < 40; i++) {
      events.push({ type: "user.created", user_id: `u${i}`, occurred_at: "2026-02-02T08:00:00Z", event_id: `c${i}` });
      events.push({
        type: "org.member_added",
        org_id: `o${i % 3}`,
        user_id: `u${i}`,
        occurred_at: "2026-02-02T09:00:00Z",
        event_id: `m${i}`,
      });
      events.push({
        type: "user.invited",
        user_id: `u${i}`,
        invitee_email: "a@b.c",
        occurred_at: "2026-02-02T10:00:00Z",
        event_id: `i${i}`,
      });
    }
    const results = await Promise.all(Array.from({ length: 4 }, () => post({ events }, api_key)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const accepted = results.reduce((sum, r) => sum + (r.body as { accepted: number }).accepted, 0);
    expect(accepted).toBe(events.length);
    expect(await counter(e, "signups", "day", "2026-02-02")).toBe(40);
    expect(await userCount(e)).toBe(40);
    expect(await counter(e, "active_users", "day", "2026-02-02")).toBe(40);
    expect(await counter(e, "orgs_created", "day", "2026-02-02")).toBe(3);
    const members = await activityPartition(keys.memberChangesPk(e, "2026-02-02"));
    expect(members).toHaveLength(40);
  });

  it("moves sign-up counts when an earlier user.created arrives after implicit creation", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "out-of-order");
    await post({ events: [{ type: "user.active", user_id: "late", occurred_at: "2026-03-10T10:00:00Z" }] }, api_key);
    expect(await counter(e, "signups", "day", "2026-03-10")).toBe(1);
    await post({ events: [{ type: "user.created", user_id: "late", occurred_at: "2026-02-27T10:00:00Z" }] }, api_key);
    expect(await counter(e, "signups", "day", "2026-03-10")).toBe(0);
    expect(await counter(e, "signups", "day", "2026-02-27")).toBe(1);
    expect(await counter(e, "signups", "month", "2026-03")).toBe(0);
    expect(await counter(e, "signups", "month", "2026-02")).toBe(1);
    expect((await user(e, "late"))?.created_at).toBe(Date.parse("2026-02-27T10:00:00Z"));
    expect(await userCount(e)).toBe(1);
  });

  it("deletes users: they leave the listings and counts of current users, not history", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "deletion");
    await post(
      {
        events: [
          { type: "user.created", user_id: "d1", occurred_at: "2026-03-01T10:00:00Z" },
          { type: "org.member_added", org_id: "o", user_id: "d1", occurred_at: "2026-03-01T11:00:00Z" },
        ],
      },
      api_key,
    );
    await post({ events: [{ type: "user.deleted", user_id: "d1", occurred_at: "2026-03-02T10:00:00Z" }] }, api_key);
    await post({ events: [{ type: "user.active", user_id: "d1", occurred_at: "2026-03-03T10:00:00Z" }] }, api_key);
    const d1 = await user(e, "d1");
    expect(d1?.deleted_at).toBe(Date.parse("2026-03-02T10:00:00Z"));
    expect(d1?.gsi1pk).toBeUndefined();
    expect(d1?.gsi2pk).toBeUndefined();
    expect(await userCount(e)).toBe(0);
    expect(await counter(e, "signups", "day", "2026-03-01")).toBe(1);
    expect(await counter(e, "active_users", "day", "2026-03-03")).toBe(0);
    const membership = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.orgMember(e, "o", "d1") }),
    );
    // Ended: a tombstone for a day (lib/ingest/writeMemberships.ts), which readers skip.
    expect(membership.Item).toMatchObject({ removed: true, user_id: "d1" });
    expect(membership.Item?.since).toBeUndefined();
  });

  it("answers the contract's errors", async () => {
    const { api_key: readOnly } = await createApiKey(store, environmentId, ["read"]);
    const { api_key: revoked } = await createApiKey(store, environmentId, ["ingest"]);
    await revokeApiKey(store, environmentId, revoked);
    const one = { events: [{ type: "user.active", user_id: "u" }] };
    expect((await post(one, "eik_nope")).body).toEqual({ error: "unauthorized" });
    expect((await post(one, revoked)).status).toBe(401);
    expect(await post(one, readOnly).then((r) => [r.status, r.body])).toEqual([403, { error: "forbidden" }]);
    expect(await post("{not json", apiKey).then((r) => [r.status, r.body])).toEqual([400, { error: "invalid_json" }]);
    const tooMany = { events: Array.from({ length: 1001 }, () => ({ type: "user.active", user_id: "u" })) };
    expect(await post(tooMany).then((r) => [r.status, r.body])).toEqual([413, { error: "payload_too_large" }]);
    const wrongMethod = await invoke(handler, { method: "GET", path: "/api/backend/v1/events", headers: {} });
    expect([wrongMethod.status, wrongMethod.body]).toEqual([405, { error: "method_not_allowed" }]);
  });
});
