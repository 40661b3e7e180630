import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/dashboard.js";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { type Store, storeFromEnv } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { interceptCommands } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

/**
 * The activity-by-hour routes of the engagement dashboard (CONTRACT §10) through the Lambda handler: literal
 * answers worked out by hand from the events below, the family's auth and `start` / `end` errors (CONTRACT §4,
 * bodies exact, as active-users'), and what a long period costs.
 */

const BY_HOUR = "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week";
const HOURLY = "/api/v1/engagement-dashboard/users/chat-busier/hourly-data";
const WEEKLY = "/api/v1/engagement-dashboard/users/chat-busier/weekly-data";

const ev = (type: string, user_id: string, occurred_at: string) => ({ type, user_id, occurred_at });
const EVENTS = [
  ev("user.created", "u1", "2026-03-01T10:15:00.000Z"),
  ev("user.active", "u1", "2026-03-01T10:45:00.000Z"), // same hour: one user in it
  ev("user.active", "u1", "2026-03-01T11:59:59.999Z"),
  ev("user.created", "u2", "2026-03-01T11:00:00.000Z"),
  ev("user.active", "u2", "2026-03-02T10:20:00.000Z"),
  ev("user.active", "u1", "2026-03-02T09:00:00.000Z"), // out of time order: an hour before the day's others
  ev("user.deleted", "u2", "2026-03-02T12:00:00.000Z"), // history stays
  ev("user.active", "u2", "2026-03-02T13:00:00.000Z"), // after deletion: changes nothing
  ev("user.created", "u3", "2026-02-23T23:30:00.000Z"),
];

let store: Store;
let auth: Record<string, string>;
const call = (path: string, query: Record<string, string>, headers = auth) => invoke(handler, { path, query, headers });

beforeAll(async () => {
  store = await testStore();
  const { environment_id } = await createEnvironment(store, "hours");
  const t = await createUserToken(store, environment_id, "viewer");
  auth = { "x-user-id": t.user_id, "x-auth-token": t.auth_token };
  await ingestEvents(store, environment_id, EVENTS, Date.parse("2026-04-01T00:00:00Z"));
  // Another environment active in the same hours: never counted here.
  const other = await createEnvironment(store, "other");
  await ingestEvents(store, other.environment_id, [ev("user.created", "x", "2026-03-01T10:30:00Z")], Date.now());
});

describe("users-by-time-of-the-day-in-a-week", () => {
  it("counts distinct users per clock hour from start's hour through end's, oldest first, mid-hour edges included", async () => {
    const res = await call(BY_HOUR, { start: "2026-03-01T10:59:00.000Z", end: "2026-03-02T10:00:00.000Z" });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: {
        week: [
          { users: 1, hour: 10, day: 1, month: 3, year: 2026 },
          { users: 2, hour: 11, day: 1, month: 3, year: 2026 },
          { users: 1, hour: 9, day: 2, month: 3, year: 2026 },
          { users: 1, hour: 10, day: 2, month: 3, year: 2026 },
        ],
        success: true,
      },
    });
  });

  it("start after end (within one hour too) is empty", async () => {
    const empty = { week: [], success: true };
    expect((await call(BY_HOUR, { start: "2026-03-02T00:00:00Z", end: "2026-03-01T00:00:00Z" })).body).toEqual(empty);
    expect((await call(BY_HOUR, { start: "2026-03-01T10:50:00Z", end: "2026-03-01T10:40:00Z" })).body).toEqual(empty);
  });

  it("a 12-year period of old days: their members once per generation, then one derived item per day", async () => {
    const read = () =>
      countReads(() =>
        call(BY_HOUR, { start: "2015-01-01T00:00:00Z", end: "2026-12-31T00:00:00Z" }).then((res) => {
          expect((res.body as { week: unknown[] }).week).toHaveLength(5);
        }),
      );
    // Days with data: 02-23, 03-01, 03-02, all old when ingested (the environment's own and other keys are not read).
    // Each is recomputed from its members once (earlier tests here may have derived some already).
    expect((await read()).setQueries).toBeLessThanOrEqual(3);
    // Then: the generations (2 months), the live items (none), the derived items (3 days).
    expect(await read()).toEqual({ queries: 3, items: 5, setQueries: 0, otherQueries: 0 });
  });
});

describe("what an activity-by-hour request reads grows with the hours with data, not with the users", () => {
  let busy: Record<string, string>;

  beforeAll(async () => {
    const { environment_id } = await createEnvironment(store, "busy");
    const t = await createUserToken(store, environment_id, "viewer");
    busy = { "x-user-id": t.user_id, "x-auth-token": t.auth_token };
    // 60 users in one clock hour of one day, one more in an hour of each of two other days: each day live when
    // ingested (the hour counts move with the users' writes).
    const crowd = Array.from({ length: 60 }, (_, i) =>
      ev("user.active", `c${i}`, `2026-05-10T14:${String(i % 60).padStart(2, "0")}:00Z`),
    );
    await ingestEvents(store, environment_id, crowd, Date.parse("2026-05-10T23:00:00Z"));
    await ingestEvents(
      store,
      environment_id,
      [ev("user.active", "c0", "2026-05-11T03:00:00Z")],
      Date.parse("2026-05-11T23:00:00Z"),
    );
    await ingestEvents(
      store,
      environment_id,
      [ev("user.active", "c1", "2026-05-12T21:10:00Z")],
      Date.parse("2026-05-12T23:00:00Z"),
    );
  });

  it("users-by-time: one item per day with data (3), whatever its users (62)", async () => {
    let body: unknown;
    const reads = await countReads(async () => {
      body = (await call(BY_HOUR, { start: "2026-05-01T00:00:00Z", end: "2026-05-31T00:00:00Z" }, busy)).body;
    });
    expect(body).toEqual({
      week: [
        { users: 60, hour: 14, day: 10, month: 5, year: 2026 },
        { users: 1, hour: 3, day: 11, month: 5, year: 2026 },
        { users: 1, hour: 21, day: 12, month: 5, year: 2026 },
      ],
      success: true,
    });
    // The generations (none) and the live items (3): no derived item to read.
    expect(reads).toEqual({ queries: 2, items: 3, setQueries: 0, otherQueries: 0 });
  });

  it("the same days ingested as old: their members once (3 days), then one derived item per day", async () => {
    const { environment_id } = await createEnvironment(store, "busy-late");
    const t = await createUserToken(store, environment_id, "viewer");
    const late = { "x-user-id": t.user_id, "x-auth-token": t.auth_token };
    const crowd = Array.from({ length: 60 }, (_, i) =>
      ev("user.active", `c${i}`, `2026-05-10T14:${String(i % 60).padStart(2, "0")}:00Z`),
    );
    await ingestEvents(
      store,
      environment_id,
      [...crowd, ev("user.active", "c0", "2026-05-11T03:00:00Z"), ev("user.active", "c1", "2026-05-12T21:10:00Z")],
      Date.parse("2026-06-01T00:00:00Z"),
    );
    const read = async () => {
      let body: unknown;
      const reads = await countReads(async () => {
        body = (await call(BY_HOUR, { start: "2026-05-01T00:00:00Z", end: "2026-05-31T00:00:00Z" }, late)).body;
      });
      return { body, reads };
    };
    const first = await read();
    expect(first.reads).toEqual({ queries: 3, items: 1, setQueries: 3, otherQueries: 0 });
    const second = await read();
    expect(second.body).toEqual(first.body);
    expect((first.body as { week: unknown[] }).week).toHaveLength(3);
    // The generation item of May, the derived items of its 3 days.
    expect(second.reads).toEqual({ queries: 3, items: 4, setQueries: 0, otherQueries: 0 });
  });

  it("hourly-data on an even hour: the hour counters of its ≤ 2 days, no day set", async () => {
    let body: unknown;
    const reads = await countReads(async () => {
      body = (await call(HOURLY, { start: "2026-05-11T04:00:00Z" }, busy)).body;
    });
    const hours = Array.from({ length: 12 }, (_, i) => ({ users: 0, hour: 2 * i }));
    hours[1] = { users: 1, hour: 2 };
    hours[7] = { users: 60, hour: 14 };
    expect(body).toEqual({ hours, success: true });
    expect(reads).toEqual({ queries: 2, items: 2, setQueries: 0, otherQueries: 0 });
  });

  it("hourly-data at any other instant reads the members of its ≤ 2 days (one group is cut)", async () => {
    const reads = await countReads(async () => {
      await call(HOURLY, { start: "2026-05-11T14:30:00Z" }, busy);
    });
    expect(reads.setQueries).toBe(2);
  });
});

/**
 * The Queries a request sends: of the hour counts (live `HC`, generations `HCGEN`, derived `HCD`; and the items they
 * return), of day sets, of anything else.
 */
async function countReads(request: () => Promise<unknown>) {
  const reads = { queries: 0, items: 0, setQueries: 0, otherQueries: 0 };
  const restore = interceptCommands(storeFromEnv().doc, async (command, send) => {
    const answer = (await send()) as { Items?: unknown[] };
    if (command.constructor.name === "QueryCommand") {
      const pk = String(
        (command.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues?.[":pk"],
      );
      if (pk.includes("#SET#")) reads.setQueries++;
      else if (!/#(HC|HCGEN|HCD)$/.test(pk)) reads.otherQueries++;
      else {
        reads.queries++;
        reads.items += answer.Items?.length ?? 0;
      }
    }
    return answer;
  });
  try {
    await request();
  } finally {
    restore();
  }
  return reads;
}

describe("chat-busier/hourly-data", () => {
  it("the 24 hours before start in 12 two-hour groups; a group spanning both days counts a user once", async () => {
    // [03-01T11:30, 03-02T11:30): u1 at 11:59:59.999 (group 10) and 09:00 (group 8); u2 at 11:00? no, before 11:30.
    // u2 at 03-02T10:20 (group 10). So group 8: u1; group 10: u1, u2.
    const res = await call(HOURLY, { start: "2026-03-02T11:30:00.000Z" });
    const hours = Array.from({ length: 12 }, (_, i) => ({ users: 0, hour: 2 * i }));
    hours[4] = { users: 1, hour: 8 };
    hours[5] = { users: 2, hour: 10 };
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { hours, success: true } });
  });

  it("an instant exactly start − 24h is in, start itself is out", async () => {
    // [03-01T11:00, 03-02T11:00): u2's sign-up at 11:00 is in (group 10), u1 at 11:59:59.999 too.
    const res = await call(HOURLY, { start: "2026-03-02T11:00:00.000Z", end: "ignored" });
    expect((res.body as { hours: { users: number }[] }).hours[5]).toEqual({ users: 2, hour: 10 });
    const later = await call(HOURLY, { start: "2026-03-02T12:00:00.000Z" });
    // [03-01T12:00, 03-02T12:00): u2 at 10:20 (group 10), u1 at 09:00 (group 8).
    expect((later.body as { hours: { users: number }[] }).hours.filter((g) => g.users > 0)).toEqual([
      { users: 1, hour: 8 },
      { users: 1, hour: 10 },
    ]);
  });
});

describe("chat-busier/weekly-data", () => {
  it("the 8 days through start's, oldest first, zeros included, across a month end", async () => {
    const res = await call(WEEKLY, { start: "2026-03-02T00:00:00.000Z" });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: {
        month: [
          { users: 1, day: 23, month: 2, year: 2026 },
          { users: 0, day: 24, month: 2, year: 2026 },
          { users: 0, day: 25, month: 2, year: 2026 },
          { users: 0, day: 26, month: 2, year: 2026 },
          { users: 0, day: 27, month: 2, year: 2026 },
          { users: 0, day: 28, month: 2, year: 2026 },
          { users: 2, day: 1, month: 3, year: 2026 },
          { users: 2, day: 2, month: 3, year: 2026 },
        ],
        success: true,
      },
    });
  });

  it("answers for a start in year 0 (days before 1970 hold nothing)", async () => {
    const res = await call(WEEKLY, { start: "0000-01-02T00:00:00Z" });
    expect(res.status).toBe(200);
    expect((res.body as { month: { users: number }[] }).month.map((d) => d.users)).toEqual(Array(8).fill(0));
    const hourly = await call(HOURLY, { start: "0000-01-01T00:00:00+05:00" });
    expect(hourly.status).toBe(200);
  });
});

describe("errors (bodies exact, as active-users')", () => {
  const UNAUTHORIZED = { status: "error", message: "You must be logged in to do this." };
  const FORBIDDEN = {
    success: false,
    error: "User does not have the permissions required for this action [error-unauthorized]",
  };
  const badField = (field: string) => ({
    success: false,
    error: `Match error: Failed Match.Where validation in field ${field}`,
  });
  const ok = "2026-03-01T00:00:00.000Z";

  it("401 without or with wrong credentials, 403 without the permission (before parameters)", async () => {
    const viewer = await createUserToken(store, (await createEnvironment(store, "p")).environment_id, "nope", ["x"]);
    for (const path of [BY_HOUR, HOURLY, WEEKLY]) {
      for (const headers of [{}, { "x-user-id": auth["x-user-id"] as string, "x-auth-token": "garbage" }] as Record<
        string,
        string
      >[]) {
        const res = await call(path, {}, headers);
        expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: UNAUTHORIZED });
      }
      const res = await call(path, {}, { "x-user-id": viewer.user_id, "x-auth-token": viewer.auth_token });
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 403, body: FORBIDDEN });
    }
  });

  it.each([
    [{}, "start"],
    [{ end: ok }, "start"],
    [{ start: "garbage", end: "garbage" }, "start"],
    [{ start: "2026-03-01", end: ok }, "start"],
    [{ start: "2026-03-01T00:00:00", end: ok }, "start"],
    [{ start: "2026-02-30T00:00:00Z", end: ok }, "start"],
    [{ start: ok }, "end"],
    [{ start: ok, end: "1683000000" }, "end"],
  ] as [Record<string, string>, string][])("users-by-time: 400 for %j names %s", async (query, field) => {
    const res = await call(BY_HOUR, query);
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: badField(field) });
  });

  it.each([[{}], [{ start: "" }], [{ start: "2026-03-01" }], [{ start: "tomorrow", end: ok }], [{ end: ok }]] as [
    Record<string, string>,
  ][])("chat-busier: 400 for %j names start (end is not asked)", async (query) => {
    for (const path of [HOURLY, WEEKLY]) {
      const res = await call(path, query);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 400, body: badField("start") });
    }
  });
});
