import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/dashboard.js";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { secretId } from "../../lib/auth/secrets.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { type Store, storeFromEnv } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { type ApiEventInput, invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

/**
 * The engagement-dashboard routes through the Lambda handler, on DynamoDB Local, with data ingested as events.
 * Expected bodies come from a reference model of CONTRACT §3–§4 over the same events (below), not from the code.
 */

type Ev = { type: string; user_id: string; occurred_at: string };
const created = (user_id: string, occurred_at: string): Ev => ({ type: "user.created", user_id, occurred_at });
const active = (user_id: string, occurred_at: string): Ev => ({ type: "user.active", user_id, occurred_at });
const deleted = (user_id: string, occurred_at: string): Ev => ({ type: "user.deleted", user_id, occurred_at });

const EVENTS: Ev[] = [
  created("u1", "2023-05-01T10:00:00.000Z"),
  active("u1", "2023-05-02T23:59:59.999Z"),
  active("u1", "2023-05-03T00:00:00.000Z"),
  created("u2", "2023-05-02T00:00:00.000Z"),
  active("u2", "2023-05-02T12:00:00.000Z"),
  created("u3", "2023-04-30T23:59:59.999Z"),
  active("u3", "2023-05-05T08:00:00.000Z"),
  created("u4", "2023-05-05T01:00:00.000Z"),
  created("u5", "2023-05-04T23:00:00.000Z"),
  created("u6", "2023-04-28T00:00:00.000Z"),
  created("u7", "2023-04-27T23:59:59.999Z"),
  active("u7", "2023-05-05T23:59:59.999Z"),
  // Deletion doesn't rewrite history: u4 stays in the counts.
  deleted("u4", "2023-05-06T09:00:00.000Z"),
];

/** Reference model: every sign-up and user.active instant is activity; sign-ups per day; deletions change nothing. */
function model(events: Ev[]) {
  const activeByDay = new Map<string, Set<string>>();
  const signupsByDay = new Map<string, number>();
  for (const e of events) {
    const day = e.occurred_at.slice(0, 10);
    if (e.type === "user.created") signupsByDay.set(day, (signupsByDay.get(day) ?? 0) + 1);
    if (e.type === "user.created" || e.type === "user.active") {
      activeByDay.set(day, (activeByDay.get(day) ?? new Set()).add(e.user_id));
    }
  }
  return { activeByDay, signupsByDay };
}

function daysFrom(startDay: string, endDay: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${startDay}T00:00:00Z`); t <= Date.parse(`${endDay}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
const shift = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function expectedActiveUsers(events: Ev[], start: string, end: string) {
  const { activeByDay } = model(events);
  const month = daysFrom(start.slice(0, 10), end.slice(0, 10))
    .reverse()
    .filter((d) => activeByDay.has(d))
    .map((d) => {
      const users = [...(activeByDay.get(d) ?? [])].sort();
      const [year, month, day] = d.split("-").map(Number);
      return { usersList: users, users: users.length, day, month, year };
    });
  return { month, success: true };
}

function expectedNewUsers(events: Ev[], start: string, end: string) {
  const { signupsByDay } = model(events);
  const at = (d: string) => signupsByDay.get(d) ?? 0;
  const period = daysFrom(start.slice(0, 10), end.slice(0, 10));
  const previous = period.map((d) => shift(d, -period.length));
  const sum = (days: string[]) => days.reduce((s, d) => s + at(d), 0);
  const endDay = end.slice(0, 10);
  const y = at(shift(endDay, -1));
  return {
    days: [...period]
      .reverse()
      .filter((d) => at(d) > 0)
      .map((d) => ({ day: `${d}T00:00:00.000Z`, users: at(d) })),
    period: { count: sum(period), variation: sum(period) - sum(previous) },
    yesterday: { count: y, variation: at(endDay) - y },
    success: true,
  };
}

/** usersList order is free: compare it sorted. */
function sortedLists(body: unknown) {
  const b = body as { month?: { usersList: string[] }[] };
  return { ...b, month: b.month?.map((m) => ({ ...m, usersList: [...m.usersList].sort() })) };
}

const ACTIVE = "/api/v1/engagement-dashboard/users/active-users";
const NEW = "/api/v1/engagement-dashboard/users/new-users";

let store: Store;
let envA: string;
let authA: Record<string, string>;
let envB: string;
let authB: Record<string, string>;

const call = (
  path: string,
  query: Record<string, string | undefined>,
  headers = authA,
  extra?: Partial<ApiEventInput>,
) => invoke(handler, { path, query, headers, ...extra });

beforeAll(async () => {
  store = await testStore();
  const now = Date.parse("2024-01-01T00:00:00Z");
  envA = (await createEnvironment(store, "dashboard A")).environment_id;
  envB = (await createEnvironment(store, "dashboard B")).environment_id;
  const a = await createUserToken(store, envA, "dash-a");
  const b = await createUserToken(store, envB, "dash-b");
  authA = { "x-user-id": a.user_id, "x-auth-token": a.auth_token };
  authB = { "x-user-id": b.user_id, "x-auth-token": b.auth_token };
  await ingestEvents(store, envA, EVENTS, now);
  // Environment B has its own users on the same days: never visible to A.
  await ingestEvents(
    store,
    envB,
    [created("b1", "2023-05-02T05:00:00.000Z"), active("u1", "2023-05-03T05:00:00Z")],
    now,
  );
});

describe("active-users", () => {
  it.each([
    ["2023-04-25T00:00:00.000Z", "2023-05-10T00:00:00.000Z"],
    ["2023-05-02T12:34:56.000Z", "2023-05-05T10:00:00.000Z"],
    ["2023-05-02T23:59:59.999Z", "2023-05-02T23:59:59.999Z"],
    ["2023-05-03T00:00:00.000Z", "2023-05-03T00:00:00.000Z"],
  ])("%s .. %s equals the model", async (start, end) => {
    const res = await call(ACTIVE, { start, end });
    expect(res.status).toBe(200);
    expect(sortedLists(res.body)).toEqual(expectedActiveUsers(EVENTS, start, end));
  });

  it("matches the literal fixture (days newest first, empty days left out, UTC day edges)", async () => {
    const res = await call(ACTIVE, { start: "2023-05-01T00:00:00.000Z", end: "2023-05-05T23:59:59.999Z" });
    expect(sortedLists(res.body)).toEqual({
      month: [
        { usersList: ["u3", "u4", "u7"], users: 3, day: 5, month: 5, year: 2023 },
        { usersList: ["u5"], users: 1, day: 4, month: 5, year: 2023 },
        { usersList: ["u1"], users: 1, day: 3, month: 5, year: 2023 },
        { usersList: ["u1", "u2"], users: 2, day: 2, month: 5, year: 2023 },
        { usersList: ["u1"], users: 1, day: 1, month: 5, year: 2023 },
      ],
      success: true,
    });
  });

  it("places instants with offsets on their UTC day", async () => {
    // 2023-05-03T01:00+02:00 is 2023-05-02T23:00Z: the period is 2023-05-02 only.
    const res = await call(ACTIVE, { start: "2023-05-03T01:00:00+02:00", end: "2023-05-02T23:30:00Z" });
    expect(sortedLists(res.body)).toEqual(expectedActiveUsers(EVENTS, "2023-05-02", "2023-05-02"));
  });

  it("start after end is an empty period", async () => {
    const res = await call(ACTIVE, { start: "2023-05-05T00:00:00.000Z", end: "2023-05-04T23:59:59.999Z" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ month: [], success: true });
  });

  it("shows each environment only its own users", async () => {
    const res = await call(ACTIVE, { start: "2023-05-01T00:00:00Z", end: "2023-05-06T00:00:00Z" }, authB);
    expect(sortedLists(res.body)).toEqual({
      month: [
        { usersList: ["u1"], users: 1, day: 3, month: 5, year: 2023 },
        { usersList: ["b1"], users: 1, day: 2, month: 5, year: 2023 },
      ],
      success: true,
    });
  });
});

describe("new-users", () => {
  it.each([
    ["2023-05-02T00:00:00.000Z", "2023-05-05T10:00:00.000Z"],
    ["2023-04-20T00:00:00.000Z", "2023-05-10T00:00:00.000Z"],
    ["2023-05-05T00:00:00.000Z", "2023-05-05T23:59:59.999Z"],
    ["2023-04-28T00:00:00.000Z", "2023-04-30T23:59:59.999Z"],
    ["2023-05-01T00:00:00.000Z", "2023-05-01T00:00:00.000Z"],
  ])("%s .. %s equals the model", async (start, end) => {
    const res = await call(NEW, { start, end });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedNewUsers(EVENTS, start, end));
  });

  it("matches the literal fixture", async () => {
    // Period 05-02..05-05: u2, u5, u4 (3); before it 04-28..05-01: u6, u3, u1 (3); yesterday 05-04: u5; end: u4.
    const res = await call(NEW, { start: "2023-05-02T00:00:00.000Z", end: "2023-05-05T10:00:00.000Z" });
    expect(res.body).toEqual({
      days: [
        { day: "2023-05-05T00:00:00.000Z", users: 1 },
        { day: "2023-05-04T00:00:00.000Z", users: 1 },
        { day: "2023-05-02T00:00:00.000Z", users: 1 },
      ],
      period: { count: 3, variation: 0 },
      yesterday: { count: 1, variation: 0 },
      success: true,
    });
  });

  it("UTC day edges: 23:59:59.999 and 00:00:00.000 fall on different days", async () => {
    // u7 signed up 2023-04-27T23:59:59.999Z, u6 2023-04-28T00:00:00.000Z.
    const edge = await call(NEW, { start: "2023-04-28T00:00:00.000Z", end: "2023-04-28T23:59:59.999Z" });
    expect(edge.body).toEqual({
      days: [{ day: "2023-04-28T00:00:00.000Z", users: 1 }],
      period: { count: 1, variation: 0 },
      yesterday: { count: 1, variation: 0 },
      success: true,
    });
  });

  it("start after end: empty period with zero counts; yesterday stays relative to end's day", async () => {
    const res = await call(NEW, { start: "2023-05-06T00:00:00.000Z", end: "2023-05-05T10:00:00.000Z" });
    expect(res.body).toEqual({
      days: [],
      period: { count: 0, variation: 0 },
      yesterday: { count: 1, variation: 0 },
      success: true,
    });
  });
});

describe("a 12-year period", () => {
  const LONG: Ev[] = [
    created("old", "2011-06-01T12:00:00.000Z"),
    created("mid", "2017-03-15T00:00:00.000Z"),
    created("new", "2023-05-20T23:59:59.999Z"),
  ];
  let authC: Record<string, string>;

  beforeAll(async () => {
    const envC = (await createEnvironment(store, "long")).environment_id;
    const c = await createUserToken(store, envC, "dash-c");
    authC = { "x-user-id": c.user_id, "x-auth-token": c.auth_token };
    await ingestEvents(store, envC, LONG, Date.parse("2024-01-01T00:00:00Z"));
  });

  it("answers both routes from the days that have data, one set read per active day", async () => {
    const start = "2011-06-01T00:00:00.000Z";
    const end = "2023-05-31T00:00:00.000Z";
    const send = vi.spyOn(storeFromEnv().doc, "send");
    try {
      const res = await call(ACTIVE, { start, end }, authC);
      expect(sortedLists(res.body)).toEqual(expectedActiveUsers(LONG, start, end));
      expect((res.body as { month: unknown[] }).month).toHaveLength(3);
      const queries = send.mock.calls.filter(([command]) => command.constructor.name === "QueryCommand");
      // One counter Query plus one set Query per day with data, whatever the period's length.
      expect(queries).toHaveLength(4);
    } finally {
      send.mockRestore();
    }
    const res = await call(NEW, { start, end }, authC);
    expect(res.body).toEqual(expectedNewUsers(LONG, start, end));
  });
});

describe("errors (bodies exact)", () => {
  const UNAUTHORIZED = { status: "error", message: "You must be logged in to do this." };
  const FORBIDDEN = {
    success: false,
    error: "User does not have the permissions required for this action [error-unauthorized]",
  };
  const badField = (field: string) => ({
    success: false,
    error: `Match error: Failed Match.Where validation in field ${field}`,
  });
  const okQuery = { start: "2023-05-01T00:00:00.000Z", end: "2023-05-02T00:00:00.000Z" };

  it("401 without headers, with one header, for an unknown user, a wrong or a revoked token", async () => {
    // The id part of `eut_{id}_{secret}`; ids are base64url, so they may contain "_" themselves.
    const tokenId = (token: string) => secretId("eut", token) as string;
    const revoked = await createUserToken(store, envA, "dash-revoked");
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.entities,
        Key: keys.userToken(tokenId(revoked.auth_token)),
        UpdateExpression: "SET revoked = :t",
        ExpressionAttributeValues: { ":t": true },
      }),
    );
    const wrongSecret = `${authA["x-auth-token"]?.slice(0, -4)}AAAA`;
    const cases: Record<string, string>[] = [
      {},
      { "x-user-id": "dash-a" },
      { "x-auth-token": authA["x-auth-token"] as string },
      { "x-user-id": "someone-else", "x-auth-token": authA["x-auth-token"] as string },
      { "x-user-id": "dash-a", "x-auth-token": "garbage" },
      { "x-user-id": "dash-a", "x-auth-token": wrongSecret },
      { "x-user-id": revoked.user_id, "x-auth-token": revoked.auth_token },
    ];
    for (const path of [ACTIVE, NEW]) {
      for (const headers of cases) {
        const res = await call(path, {}, headers);
        expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: UNAUTHORIZED });
      }
    }
  });

  it("accepts header names in any letter case", async () => {
    const res = await call(NEW, okQuery, { "X-User-Id": "dash-a", "X-Auth-Token": authA["x-auth-token"] as string });
    expect(res.status).toBe(200);
  });

  it("403 when the token lacks the permission, before parameters are checked", async () => {
    const t = await createUserToken(store, envA, "dash-viewer", ["something-else"]);
    for (const path of [ACTIVE, NEW]) {
      const res = await call(path, {}, { "x-user-id": t.user_id, "x-auth-token": t.auth_token });
      expect({ status: res.status, body: res.body }).toEqual({ status: 403, body: FORBIDDEN });
    }
  });

  it.each([
    [{}, "start"],
    [{ end: okQuery.end }, "start"],
    [{ start: "garbage", end: "garbage" }, "start"],
    [{ start: "2023-05-01", end: okQuery.end }, "start"],
    [{ start: "2023-05-01T00:00:00", end: okQuery.end }, "start"],
    [{ start: "2023-02-30T00:00:00Z", end: okQuery.end }, "start"],
    [{ start: "", end: okQuery.end }, "start"],
    [{ start: okQuery.start }, "end"],
    [{ start: okQuery.start, end: "tomorrow" }, "end"],
    [{ start: okQuery.start, end: "1683000000" }, "end"],
  ] as [Record<string, string>, string][])("400 for %j names %s", async (query, field) => {
    for (const path of [ACTIVE, NEW]) {
      const res = await call(path, query);
      expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: badField(field) });
    }
  });

  it("answers JSON with the request id; unknown routes 404 and wrong methods 405 in the family's format", async () => {
    const ok = await call(ACTIVE, okQuery, authA, { requestId: "req-123" });
    expect(ok.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(ok.headers["x-request-id"]).toBe("req-123");
    const missing = await call("/api/v1/engagement-dashboard/users/nope", okQuery);
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 404,
      body: { success: false, error: "Not found [not-found]" },
    });
    const post = await call(ACTIVE, okQuery, authA, { method: "POST" });
    expect(post.status).toBe(405);
  });
});
