import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/users.js";
import { createApiKey, createEnvironment, revokeApiKey } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { type ApiEventInput, invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

/**
 * The users and usage-statistics routes through the Lambda handler, on DynamoDB Local, with users ingested as
 * events. Expected orders and counts are computed from the events here.
 */

const DAY = 86_400_000;
const USERS = "/api/v2/users";
const STATS = "/api/v2/usage-statistics/active-users";

type UserBody = { _id: string; [k: string]: unknown };
type ListBody = {
  status: string;
  data: UserBody[];
  pagination: { hasPrevious: boolean; hasNext: boolean; next?: string; previous?: string };
};

let store: Store;
let envA: string;
let keyA: string;
let envB: string;
let keyB: string;

const auth = (key: string, env: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  "environment-id": env,
});
const call = (
  path: string,
  query: Record<string, string | undefined> = {},
  headers: Record<string, string> = auth(keyA, envA),
  extra?: Partial<ApiEventInput>,
) => invoke(handler, { path, query, headers, ...extra });
const list = async (query: Record<string, string | undefined>, headers = auth(keyA, envA)) => {
  const res = await call(USERS, query, headers);
  expect(res.status).toBe(200);
  return res.body as ListBody;
};
/** A link's query string as the parameters of the next request. */
const params = (link: string | undefined) => Object.fromEntries(new URLSearchParams(link ?? ""));

// 1,500 users whose ids don't follow their sign-up order, three per sign-up instant (ties broken by id).
const N = 1500;
const BASE = Date.parse("2020-01-01T00:00:00.000Z");
const bulkUsers = Array.from({ length: N }, (_, i) => ({
  id: `user-${createHash("sha1").update(String(i)).digest("hex").slice(0, 10)}`,
  at: BASE + Math.floor(i / 3) * 60_000,
}));
const signupOrder = [...bulkUsers]
  .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  .map((u) => u.id);

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: envA, api_key: keyA } = await createEnvironment(store, "users A"));
  ({ environment_id: envB, api_key: keyB } = await createEnvironment(store, "users B"));
  const events = bulkUsers.map((u) => ({
    type: "user.created",
    user_id: u.id,
    occurred_at: new Date(u.at).toISOString(),
  }));
  for (let i = 0; i < events.length; i += 1000) await ingestEvents(store, envA, events.slice(i, i + 1000));
  await ingestEvents(store, envB, [
    { type: "user.created", user_id: "b-only", occurred_at: "2020-01-01T00:00:30.000Z" },
  ]);
}, 300_000);

describe("GET /api/v2/users paging", () => {
  it("pages forward then back through every user once, in sign-up order", async () => {
    const forward: string[] = [];
    let page = await list({ limit: "100" });
    expect(page.pagination.hasPrevious).toBe(false);
    expect(page.pagination.previous).toBeUndefined();
    forward.push(...page.data.map((u) => u._id));
    while (page.pagination.hasNext) {
      expect(page.pagination.next).toBe(`limit=100&after=${page.data.at(-1)?._id}`);
      page = await list(params(page.pagination.next));
      expect(page.data.length).toBeGreaterThan(0);
      expect(page.data.length).toBeLessThanOrEqual(100);
      expect(page.pagination.hasPrevious).toBe(true);
      forward.push(...page.data.map((u) => u._id));
    }
    expect(page.pagination.next).toBeUndefined();
    expect(forward).toEqual(signupOrder);

    const backward: string[] = page.data.map((u) => u._id);
    while (page.pagination.hasPrevious) {
      expect(page.pagination.previous).toBe(`limit=100&before=${page.data[0]?._id}`);
      page = await list(params(page.pagination.previous));
      expect(page.pagination.hasNext).toBe(true);
      backward.unshift(...page.data.map((u) => u._id));
    }
    expect(backward).toEqual(signupOrder);
    expect(page.pagination.previous).toBeUndefined();
  });

  it("serves the largest page (1000) and the rest after it", async () => {
    const first = await list({ limit: "1000" });
    expect(first.data.map((u) => u._id)).toEqual(signupOrder.slice(0, 1000));
    expect(first.pagination).toEqual({
      hasPrevious: false,
      hasNext: true,
      next: `limit=1000&after=${signupOrder[999]}`,
    });
    const second = await list(params(first.pagination.next));
    expect(second.data.map((u) => u._id)).toEqual(signupOrder.slice(1000));
    expect(second.pagination).toEqual({
      hasPrevious: true,
      hasNext: false,
      previous: `limit=1000&before=${signupOrder[1000]}`,
    });
  });

  it("defaults to 25 and pages backward from a cursor", async () => {
    const first = await list({});
    expect(first.data.map((u) => u._id)).toEqual(signupOrder.slice(0, 25));
    expect(first.pagination.next).toBe(`limit=25&after=${signupOrder[24]}`);
    const before = await list({ limit: "10", before: signupOrder[15] });
    expect(before.data.map((u) => u._id)).toEqual(signupOrder.slice(5, 15));
    expect(before.pagination).toEqual({
      hasPrevious: true,
      hasNext: true,
      next: `limit=10&after=${signupOrder[14]}`,
      previous: `limit=10&before=${signupOrder[5]}`,
    });
    const atStart = await list({ limit: "10", before: signupOrder[3] });
    expect(atStart.data.map((u) => u._id)).toEqual(signupOrder.slice(0, 3));
    expect(atStart.pagination.hasPrevious).toBe(false);
  });

  it("never shows another environment's users, and refuses their ids as cursors", async () => {
    const b = await list({}, auth(keyB, envB));
    expect(b.data.map((u) => u._id)).toEqual(["b-only"]);
    for (const cursor of ["after", "before"]) {
      const res = await call(USERS, { [cursor]: "b-only" });
      expect(res.status).toBe(400);
      expect((res.body as { message: string }).message).toContain(cursor);
    }
    const res = await call(`${USERS}/b-only`);
    expect({ status: res.status, body: res.body }).toEqual({
      status: 404,
      body: { status: "error", message: "User not found" },
    });
    const crossed = await call(USERS, {}, auth(keyA, envB));
    expect(crossed.status).toBe(403);
  });
});

describe("deletions between pages", () => {
  let envD: string;
  let keyD: string;
  const ids = Array.from({ length: 12 }, (_, i) => `d${String(i).padStart(2, "0")}`);
  const headers = () => auth(keyD, envD);

  beforeAll(async () => {
    ({ environment_id: envD, api_key: keyD } = await createEnvironment(store, "deletions"));
    await ingestEvents(
      store,
      envD,
      ids.map((id, i) => ({ type: "user.created", user_id: id, occurred_at: new Date(BASE + i * 1000).toISOString() })),
    );
  });

  it("a user deleted after page 1 is skipped on page 2, nobody repeated; a deleted cursor is a 400", async () => {
    const page1 = await list({ limit: "4" }, headers());
    expect(page1.data.map((u) => u._id)).toEqual(ids.slice(0, 4));
    await ingestEvents(store, envD, [{ type: "user.deleted", user_id: "d05" }]);
    const page2 = await list(params(page1.pagination.next), headers());
    expect(page2.data.map((u) => u._id)).toEqual(["d04", "d06", "d07", "d08"]);

    await ingestEvents(store, envD, [{ type: "user.deleted", user_id: "d08" }]);
    for (const link of [page2.pagination.next, `limit=4&before=d08`]) {
      const res = await call(USERS, params(link), headers());
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: "error" });
    }
    const byId = await call(`${USERS}/d08`, {}, headers());
    expect(byId.status).toBe(404);

    const all = await list({ limit: "1000" }, headers());
    expect(all.data.map((u) => u._id)).toEqual(ids.filter((id) => id !== "d05" && id !== "d08"));
    expect(all.pagination).toEqual({ hasPrevious: false, hasNext: false });
  });
});

describe("user objects", () => {
  let envU: string;
  let keyU: string;

  beforeAll(async () => {
    ({ environment_id: envU, api_key: keyU } = await createEnvironment(store, "objects"));
    await ingestEvents(store, envU, [
      {
        type: "user.created",
        user_id: "full",
        occurred_at: "2023-01-02T03:04:05.678Z",
        username: "ann",
        email: "ann@example.com",
        first_name: "Ann",
        last_name: "Lee",
        profile: { plan: "pro", tags: ["a"] },
      },
      { type: "user.updated", user_id: "full", occurred_at: "2023-02-01T00:00:00.000Z", last_name: "Lee-Smith" },
      { type: "user.created", user_id: "bare", occurred_at: "2023-01-03T00:00:00.000Z" },
    ]);
  });

  it("lists users exactly per §5", async () => {
    const body = (await list({}, auth(keyU, envU))) as ListBody;
    expect(body).toEqual({
      status: "ok",
      data: [
        {
          _id: "full",
          username: "ann",
          profile: { plan: "pro", tags: ["a"] },
          _createdOn: "2023-01-02T03:04:05.678Z",
          _lastModifiedOn: "2023-02-01T00:00:00.000Z",
          email: "ann@example.com",
          first_name: "Ann",
          last_name: "Lee-Smith",
        },
        {
          _id: "bare",
          username: null,
          profile: {},
          _createdOn: "2023-01-03T00:00:00.000Z",
          _lastModifiedOn: "2023-01-03T00:00:00.000Z",
          email: null,
          first_name: null,
          last_name: null,
        },
      ],
      pagination: { hasPrevious: false, hasNext: false },
    });
  });

  it("GET /api/v2/users/{userId} returns the same object; unknown is 404", async () => {
    const listed = (await list({}, auth(keyU, envU))).data[1];
    const res = await call(`${USERS}/bare`, {}, auth(keyU, envU));
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { status: "ok", data: [listed] } });
    const missing = await call(`${USERS}/nobody`, {}, auth(keyU, envU));
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 404,
      body: { status: "error", message: "User not found" },
    });
  });
});

describe("usage statistics", () => {
  let envS: string;
  let keyS: string;
  const headers = () => auth(keyS, envS);
  const activeUsers = async (query: Record<string, string> = {}) => {
    const res = await call(STATS, query, headers());
    expect(res.status).toBe(200);
    return (res.body as { status: string; data: { activeUsers: number } }).data.activeUsers;
  };

  beforeAll(async () => {
    ({ environment_id: envS, api_key: keyS } = await createEnvironment(store, "stats"));
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    await ingestEvents(store, envS, [
      { type: "user.created", user_id: "old", occurred_at: iso(now - 400 * DAY) },
      { type: "user.created", user_id: "inside1", occurred_at: iso(now - 30 * DAY) },
      { type: "user.active", user_id: "inside1", occurred_at: iso(now - DAY + 10 * 60_000) },
      { type: "user.created", user_id: "outside1", occurred_at: iso(now - 30 * DAY) },
      { type: "user.active", user_id: "outside1", occurred_at: iso(now - DAY - 10 * 60_000) },
      { type: "user.created", user_id: "gone", occurred_at: iso(now - 2 * 60_000) },
      { type: "user.deleted", user_id: "gone", occurred_at: iso(now - 60_000) },
      { type: "user.created", user_id: "edge366", occurred_at: iso(now - 366 * DAY + 10 * 60_000) },
    ]);
  });

  it("counts existing users, and those active in the last N days", async () => {
    expect(await activeUsers()).toBe(4);
    expect(await activeUsers({ days: "1" })).toBe(1);
    expect(await activeUsers({ days: "2" })).toBe(2);
    expect(await activeUsers({ days: "30" })).toBe(2);
    // edge366 signed up 366 days minus 10 minutes ago; old, 400 days ago, is never in a window.
    expect(await activeUsers({ days: "365" })).toBe(2);
    expect(await activeUsers({ days: "366" })).toBe(3);
    const res = await call(STATS, {}, headers());
    expect(res.body).toEqual({ status: "ok", data: { activeUsers: 4 } });
  });

  it("is 0 for an environment without users", async () => {
    const { environment_id, api_key } = await createEnvironment(store, "empty");
    const res = await call(STATS, {}, auth(api_key, environment_id));
    expect(res.body).toEqual({ status: "ok", data: { activeUsers: 0 } });
    const withDays = await call(STATS, { days: "7" }, auth(api_key, environment_id));
    expect(withDays.body).toEqual({ status: "ok", data: { activeUsers: 0 } });
  });
});

describe("errors", () => {
  const routes = [USERS, `${USERS}/${signupOrder[0]}`, STATS];
  const expectError = (res: { status: number; body: unknown }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ status: "error", message: expect.any(String) });
  };

  it("401 for a missing, malformed, unknown or revoked key", async () => {
    const { api_key: revoked } = await createApiKey(store, envA);
    await revokeApiKey(store, envA, revoked);
    const unknown = `${keyA.slice(0, -4)}AAAA`;
    const cases: Record<string, string>[] = [
      { "environment-id": envA },
      { authorization: keyA, "environment-id": envA },
      { authorization: "Bearer nonsense", "environment-id": envA },
      auth(unknown, envA),
      auth(revoked, envA),
    ];
    for (const path of routes) for (const headers of cases) expectError(await call(path, {}, headers), 401);
  });

  it("403 without read, without environment-id, or with another environment's id", async () => {
    const { api_key: ingestOnly } = await createApiKey(store, envA, ["ingest"]);
    const cases: Record<string, string>[] = [
      auth(ingestOnly, envA),
      { authorization: `Bearer ${keyA}` },
      auth(keyA, envB),
      auth(keyA, "env_unknown"),
    ];
    for (const path of routes) for (const headers of cases) expectError(await call(path, {}, headers), 403);
  });

  it.each([
    [{ limit: "0" }, "limit"],
    [{ limit: "1001" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ limit: "" }, "limit"],
    [{ after: "nobody" }, "after"],
    [{ before: "nobody" }, "before"],
    [{ after: "" }, "after"],
    [{ after: signupOrder[1] as string, before: signupOrder[5] as string }, "after"],
  ] as [Record<string, string>, string][])("400 for %j names %s", async (query, name) => {
    const res = await call(USERS, query);
    expectError(res, 400);
    expect((res.body as { message: string }).message).toContain(name);
  });

  it.each(["0", "367", "-1", "1.5", "week", ""])("400 for days=%s names days", async (days) => {
    const res = await call(STATS, { days });
    expectError(res, 400);
    expect((res.body as { message: string }).message).toContain("days");
  });

  it("unknown routes 404 and wrong methods 405 in the family's format, JSON with the request id", async () => {
    const missing = await call("/api/v2/nothing-here");
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 404,
      body: { status: "error", message: "Not found" },
    });
    const post = await call(USERS, {}, auth(keyA, envA), { method: "POST", requestId: "rid-7" });
    expect({ status: post.status, body: post.body }).toEqual({
      status: 405,
      body: { status: "error", message: "Method not allowed" },
    });
    expect(post.headers["x-request-id"]).toBe("rid-7");
    expect(post.headers["content-type"]).toBe("application/json; charset=utf-8");
  });
});
