import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/insights.js";
import { createApiKey, createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { type Store, storeFromEnv } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

const DAY = 86_400_000;
const NOW = Date.parse("2027-01-02T12:00:00.000Z");

let store: Store;
let env: string;
let apiKey: string;

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: env, api_key: apiKey } = await createEnvironment(store, "charts"));
});

afterEach(() => {
  vi.useRealTimers();
});

/** Requests at NOW: only Date is faked, so the SDK's timers keep running. */
function atNow(now = NOW) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now);
}

const get = (path: string, key = apiKey, headers: Record<string, string> = {}) =>
  invoke(handler, { path, headers: { Authorization: `Bearer ${key}`, ...headers } });

interface Chart {
  chart_type: string;
  cadence: string;
  metrics: { date: string; result: number; cadence_completed: boolean }[];
}

async function newEnvironment(events: unknown[], now = NOW) {
  const created = await createEnvironment(store, "chart env");
  if (events.length > 0) await ingestEvents(store, created.environment_id, events, now);
  return created;
}

describe("chart routes: auth and errors", () => {
  it("401 without a key or with an unknown one, 403 without read", async () => {
    const none = await invoke(handler, { path: "/api/backend/v1/chart_metric/signups" });
    expect(none).toMatchObject({ status: 401, body: { error: "unauthorized" } });
    const wrong = await get("/api/backend/v1/chart_metric/signups", "eik_nope_nope");
    expect(wrong).toMatchObject({ status: 401, body: { error: "unauthorized" } });
    const { api_key: ingestOnly } = await createApiKey(store, env, ["ingest"]);
    for (const path of [
      "/api/backend/v1/chart_metric/signups",
      "/api/backend/v1/chart_metrics/signups",
      "/api/backend/v1/user/u1/signup_query_parameters",
    ]) {
      expect(await get(path, ingestOnly)).toMatchObject({ status: 403, body: { error: "forbidden" } });
    }
  });

  it("auth comes before parameter checks", async () => {
    const res = await invoke(handler, { path: "/api/backend/v1/chart_metric/nope?cadence=x" });
    expect(res.status).toBe(401);
  });

  it.each([
    ["/api/backend/v1/chart_metric/signup", "chartMetric"],
    ["/api/backend/v1/chart_metric/signups?cadence=yearly", "cadence"],
    ["/api/backend/v1/chart_metric/signups?cadence=", "cadence"],
    ["/api/backend/v1/chart_metric/signups?start_date=2023-02-30", "start_date"],
    ["/api/backend/v1/chart_metric/signups?start_date=1969-12-31", "start_date"],
    ["/api/backend/v1/chart_metric/signups?start_date=2023-13-01&end_date=2023-12-01", "start_date"],
    ["/api/backend/v1/chart_metric/signups?start_date=2023-01-01&end_date=yesterday", "end_date"],
    ["/api/backend/v1/chart_metric/signups?end_date=2023-01-01T25:00:00Z", "end_date"],
    ["/api/backend/v1/chart_metric/signups?start_date=2023-01-02&end_date=2023-01-01", "start_date"],
    ["/api/backend/v1/chart_metric/signups?start_date=2020-01-01&end_date=2022-09-27", "start_date"],
    // 2000-01-02 is a Sunday: its week starts 1999-12-27, one week more than the 1000 from 2000-01-03.
    ["/api/backend/v1/chart_metric/signups?cadence=weekly&start_date=2000-01-02&end_date=2019-03-03", "start_date"],
    ["/api/backend/v1/chart_metric/signups?cadence=monthly&start_date=1970-01-01&end_date=2053-05-01", "start_date"],
  ])("400 invalid_request for %s, naming %s", async (path, parameter) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "invalid_request" });
    expect((res.body as { message: string }).message).toContain(parameter);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("allows exactly 1000 buckets", async () => {
    // 2020-01-01 + 999 days = 2022-09-26; 1000 ISO weeks from 2000-01-03 end with the one of Monday 2019-02-25;
    // 1000 months from 1970-01 end with 2053-04.
    const daily = await get("/api/backend/v1/chart_metric/signups?start_date=2020-01-01&end_date=2022-09-26");
    expect((daily.body as Chart).metrics).toHaveLength(1000);
    const weeklyOk = await get(
      "/api/backend/v1/chart_metric/signups?cadence=WEEKLY&start_date=2000-01-03&end_date=2019-03-03",
    );
    expect((weeklyOk.body as Chart).metrics).toHaveLength(1000);
    expect((weeklyOk.body as Chart).metrics[0]?.date).toBe("2000-01-03");
    expect((weeklyOk.body as Chart).metrics.at(-1)?.date).toBe("2019-02-25");
    const monthlyOk = await get(
      "/api/backend/v1/chart_metric/signups?cadence=Monthly&start_date=1970-01-31&end_date=2053-04-30T23:59:59Z",
    );
    expect((monthlyOk.body as Chart).metrics).toHaveLength(1000);
    expect((monthlyOk.body as Chart).metrics.at(-1)?.date).toBe("2053-04-01");
  });

  it("405 for another method, 404 for an unknown insights path, both in the insights format", async () => {
    const post = await invoke(handler, { method: "POST", path: "/api/backend/v1/chart_metric/signups" });
    expect(post).toMatchObject({ status: 405, body: { error: "method_not_allowed" } });
    const unknown = await invoke(handler, { path: "/api/backend/v1/chart_metricz/signups" });
    expect(unknown).toMatchObject({ status: 404, body: { error: "not_found" } });
  });
});

describe("chart routes: answers", () => {
  it("defaults to Daily over the 31 days ending today (UTC), at both paths", async () => {
    const e = await newEnvironment([
      { type: "user.created", user_id: "a", occurred_at: "2027-01-02T00:00:00.000Z" },
      { type: "user.created", user_id: "b", occurred_at: "2026-12-03T00:00:00.000Z" },
      { type: "user.created", user_id: "c", occurred_at: "2026-12-02T23:59:59.999Z" },
    ]);
    atNow();
    const res = await get("/api/backend/v1/chart_metric/signups", e.api_key);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.headers["x-request-id"]).toBeTruthy();
    const chart = res.body as Chart;
    expect(chart.chart_type).toBe("Signups");
    expect(chart.cadence).toBe("Daily");
    expect(chart.metrics).toHaveLength(31);
    expect(chart.metrics[0]).toEqual({ date: "2026-12-03", result: 1, cadence_completed: true });
    expect(chart.metrics.at(-1)).toEqual({ date: "2027-01-02", result: 1, cadence_completed: false });
    expect(chart.metrics.at(-2)).toEqual({ date: "2027-01-01", result: 0, cadence_completed: true });
    expect(chart.metrics.reduce((n, m) => n + m.result, 0)).toBe(2);
    const plural = await get("/api/backend/v1/chart_metrics/signups", e.api_key);
    expect(plural.body).toEqual(res.body);
  });

  it("start_date alone runs to today; end_date alone starts 30 days before it; instants count by UTC day", async () => {
    const e = await newEnvironment([]);
    atNow();
    const startOnly = await get("/api/backend/v1/chart_metric/active_users?start_date=2026-12-30", e.api_key);
    expect((startOnly.body as Chart).metrics.map((m) => m.date)).toEqual([
      "2026-12-30",
      "2026-12-31",
      "2027-01-01",
      "2027-01-02",
    ]);
    const endOnly = await get(
      "/api/backend/v1/chart_metric/active_users?end_date=2024-03-01T01:00:00%2B02:00",
      e.api_key,
    );
    const dates = (endOnly.body as Chart).metrics.map((m) => m.date);
    expect(dates[0]).toBe("2024-01-30");
    expect(dates.at(-1)).toBe("2024-02-29");
    expect(dates).toHaveLength(31);
  });

  it("names every metric and cadence, in any letter case; weeks across a year end by their Monday", async () => {
    const e = await newEnvironment([
      { type: "org.created", org_id: "o", name: "O", occurred_at: "2020-12-31T10:00:00Z" },
      { type: "user.created", user_id: "a", occurred_at: "2020-12-28T00:00:00Z" },
      { type: "org.member_added", org_id: "o", user_id: "a", occurred_at: "2020-12-28T00:00:00Z" },
      { type: "user.active", user_id: "a", occurred_at: "2021-01-03T23:59:59.999Z" },
      { type: "user.active", user_id: "a", occurred_at: "2021-01-04T00:00:00Z" },
    ]);
    atNow();
    const query = "start_date=2020-12-31&end_date=2021-01-04";
    const cases = [
      ["signups", "Signups"],
      ["orgs_created", "OrgsCreated"],
      ["active_users", "ActiveUsers"],
      ["active_orgs", "ActiveOrgs"],
    ] as const;
    for (const [metric, chartType] of cases) {
      const weekly = (await get(`/api/backend/v1/chart_metric/${metric}?cadence=wEEKLY&${query}`, e.api_key))
        .body as Chart;
      expect(weekly.chart_type).toBe(chartType);
      expect(weekly.cadence).toBe("Weekly");
      expect(weekly.metrics.map((m) => m.date)).toEqual(["2020-12-28", "2021-01-04"]);
      const monthly = (await get(`/api/backend/v1/chart_metric/${metric}?cadence=monthly&${query}`, e.api_key))
        .body as Chart;
      expect(monthly.cadence).toBe("Monthly");
      expect(monthly.metrics.map((m) => m.date)).toEqual(["2020-12-01", "2021-01-01"]);
      expect(monthly.metrics.every((m) => m.cadence_completed)).toBe(true);
    }
    const activeOrgs = (await get(`/api/backend/v1/chart_metric/active_orgs?cadence=Weekly&${query}`, e.api_key))
      .body as Chart;
    // Org active through its member in both weeks (2021-01-03 is Sunday of 2020-W53).
    expect(activeOrgs.metrics.map((m) => m.result)).toEqual([1, 1]);
  });

  it("org activity follows membership at the moment of activity; deleted users stay in history", async () => {
    const e = await newEnvironment([
      { type: "org.created", org_id: "o", name: "O", occurred_at: "2026-11-01T00:00:00Z" },
      { type: "user.created", user_id: "a", occurred_at: "2026-11-02T00:00:00Z" },
      { type: "user.created", user_id: "b", occurred_at: "2026-11-02T12:00:00Z" },
      { type: "org.member_added", org_id: "o", user_id: "a", occurred_at: "2026-11-03T00:00:00Z" },
      { type: "user.active", user_id: "a", occurred_at: "2026-11-04T00:00:00Z" }, // member: o active
      { type: "org.member_removed", org_id: "o", user_id: "a", occurred_at: "2026-11-05T00:00:00Z" },
      { type: "user.active", user_id: "a", occurred_at: "2026-11-06T00:00:00Z" }, // not a member
      { type: "org.member_added", org_id: "o", user_id: "a", occurred_at: "2026-11-07T00:00:00Z" },
      { type: "user.active", user_id: "a", occurred_at: "2026-11-08T23:59:59.999Z" }, // member again
      { type: "user.deleted", user_id: "a", occurred_at: "2026-11-09T00:00:00Z" },
      { type: "user.active", user_id: "a", occurred_at: "2026-11-10T00:00:00Z" }, // deleted: changes nothing
      // Recorded after the deletion but dated before it: still nothing.
      { type: "user.active", user_id: "a", occurred_at: "2026-11-01T00:00:00Z" },
    ]);
    atNow();
    const chart = async (metric: string) => {
      const res = await get(
        `/api/backend/v1/chart_metric/${metric}?start_date=2026-11-01&end_date=2026-11-10`,
        e.api_key,
      );
      return (res.body as Chart).metrics.map((m) => m.result);
    };
    expect(await chart("active_orgs")).toEqual([1, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
    expect(await chart("active_users")).toEqual([0, 2, 0, 1, 0, 1, 0, 1, 0, 0]);
    expect(await chart("signups")).toEqual([0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await chart("orgs_created")).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const monthly = await get(
      "/api/backend/v1/chart_metric/active_users?cadence=Monthly&start_date=2026-11-30",
      e.api_key,
    );
    expect((monthly.body as Chart).metrics).toEqual([
      { date: "2026-11-01", result: 2, cadence_completed: true },
      { date: "2026-12-01", result: 0, cadence_completed: true },
      { date: "2027-01-01", result: 0, cadence_completed: false },
    ]);
  });

  it("reads one Query of the counter partition, costing the buckets with data, over a long period", async () => {
    const e = await newEnvironment([
      { type: "user.created", user_id: "a", occurred_at: "2012-03-04T00:00:00Z" },
      { type: "user.created", user_id: "b", occurred_at: "2018-07-01T00:00:00Z" },
      { type: "user.created", user_id: "c", occurred_at: "2024-02-29T23:59:59Z" },
    ]);
    atNow();
    const send = vi.spyOn(storeFromEnv().doc, "send");
    const res = await get(
      "/api/backend/v1/chart_metric/signups?cadence=Weekly&start_date=2012-01-01&end_date=2024-12-31",
      e.api_key,
    );
    const queries = send.mock.calls.map(([command]) => command).filter((c) => c instanceof QueryCommand);
    const outputs = await Promise.all(
      send.mock.results.filter((_, i) => send.mock.calls[i]?.[0] instanceof QueryCommand).map((r) => r.value),
    );
    send.mockRestore();
    const chart = res.body as Chart;
    expect(chart.metrics.length).toBeGreaterThan(600);
    expect(chart.metrics.filter((m) => m.result > 0).map((m) => m.date)).toEqual([
      "2012-02-27",
      "2018-06-25",
      "2024-02-26",
    ]);
    expect(queries).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ ScannedCount: 3 });
  });

  it("never counts another environment's data", async () => {
    const mine = await newEnvironment([{ type: "user.created", user_id: "a", occurred_at: "2026-12-20T00:00:00Z" }]);
    const theirs = await newEnvironment([
      { type: "user.created", user_id: "a", occurred_at: "2026-12-20T00:00:00Z" },
      { type: "user.created", user_id: "b", occurred_at: "2026-12-20T00:00:00Z" },
    ]);
    atNow();
    const path = "/api/backend/v1/chart_metric/signups?start_date=2026-12-20&end_date=2026-12-20";
    expect(((await get(path, mine.api_key)).body as Chart).metrics[0]?.result).toBe(1);
    expect(((await get(path, theirs.api_key)).body as Chart).metrics[0]?.result).toBe(2);
  });

  it("a bucket ending exactly at the request time is completed", async () => {
    const e = await newEnvironment([]);
    atNow(Date.parse("2027-01-04T00:00:00.000Z"));
    const weekly = (await get("/api/backend/v1/chart_metric/signups?cadence=weekly&start_date=2026-12-28", e.api_key))
      .body as Chart;
    expect(weekly.metrics).toEqual([
      { date: "2026-12-28", result: 0, cadence_completed: true },
      { date: "2027-01-04", result: 0, cadence_completed: false },
    ]);
    vi.setSystemTime(Date.parse("2027-01-03T23:59:59.999Z"));
    const before = (await get("/api/backend/v1/chart_metric/signups?cadence=weekly&start_date=2026-12-28", e.api_key))
      .body as Chart;
    expect(before.metrics).toEqual([{ date: "2026-12-28", result: 0, cadence_completed: false }]);
  });
});

describe("signup_query_parameters", () => {
  const path = (userId: string) => `/api/backend/v1/user/${encodeURIComponent(userId)}/signup_query_parameters`;

  it("answers the parameters sent at sign-up, {} when none; 404 when unknown, deleted or another tenant's", async () => {
    const at = new Date(NOW - DAY).toISOString();
    const e = await newEnvironment([
      { type: "user.created", user_id: "with", occurred_at: at, signup_query_parameters: { utm_source: "ad", x: "" } },
      { type: "user.created", user_id: "without", occurred_at: at },
      { type: "user.active", user_id: "implicit", occurred_at: at },
      { type: "user.created", user_id: "gone", occurred_at: at, signup_query_parameters: { a: "b" } },
      { type: "user.deleted", user_id: "gone", occurred_at: at },
      { type: "user.created", user_id: "a/b c", occurred_at: at, signup_query_parameters: { q: "1" } },
    ]);
    const ok = await get(path("with"), e.api_key);
    expect(ok).toMatchObject({
      status: 200,
      body: { user_signup_query_parameters: { utm_source: "ad", x: "" } },
    });
    expect(ok.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect((await get(path("without"), e.api_key)).body).toEqual({ user_signup_query_parameters: {} });
    expect((await get(path("implicit"), e.api_key)).body).toEqual({ user_signup_query_parameters: {} });
    expect(await get(path("gone"), e.api_key)).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect(await get(path("nobody"), e.api_key)).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect(await get(path("with"), apiKey)).toMatchObject({ status: 404, body: { error: "not_found" } });
  });
});
