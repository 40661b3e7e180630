import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/insights.js";
import { createApiKey, createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { curveCsvResponse } from "../../lib/insights/curveCsv.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { apiEvent, callHandler, invoke } from "../helpers/apiEvent.js";
import { assertConformsToOpenApi } from "../helpers/openapiConformance.js";
import { testStore } from "../helpers/store.js";

/**
 * Retention, lifecycle and stickiness as CSV (CONTRACT §12 for the §10 routes): the JSON answer's rows, one line
 * each, through the insights handler and the local server; errors stay the family's JSON.
 */

const DAY = 86_400_000;
const T = Date.UTC(2026, 11, 4, 10, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const week = (k: number) => iso(T - k * 7 * DAY);
let store: Store;
let apiKey: string;
let environmentId: string;
let server: RunningServer;

beforeAll(async () => {
  store = await testStore();
  ({ api_key: apiKey, environment_id: environmentId } = await createEnvironment(store, "curve-csv", T - 400 * DAY));
  await ingestEvents(
    store,
    environmentId,
    [
      { type: "user.created", user_id: "a", occurred_at: week(3) },
      { type: "user.created", user_id: "b", occurred_at: week(3) },
      { type: "user.created", user_id: "c", occurred_at: week(1) },
      { type: "user.active", user_id: "a", occurred_at: week(2) },
      { type: "user.active", user_id: "a", occurred_at: iso(T - 3_600_000) },
      { type: "user.active", user_id: "b", occurred_at: week(1) },
      { type: "user.active", user_id: "c", occurred_at: iso(T - 2 * DAY) },
    ],
    T,
  );
  await refreshEnvironment(store, environmentId, T);
  server = await startLocalServer(0);
}, 120_000);
afterAll(() => server?.close());

async function get(route: string, query: Record<string, string>, accept: string, key: string | null = apiKey) {
  const event = apiEvent({
    path: `/api/backend/v1/${route}`,
    query,
    headers: { Accept: accept, ...(key === null ? {} : { Authorization: `Bearer ${key}` }) },
  });
  const raw = await callHandler(handler, event);
  const headers = Object.fromEntries(Object.entries(raw.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const csv = headers["content-type"]?.startsWith("text/csv") ?? false;
  const body = csv ? raw.body : JSON.parse(raw.body);
  assertConformsToOpenApi({
    method: "GET",
    resource: event.resource,
    status: raw.statusCode,
    contentType: headers["content-type"],
    body,
    headers,
  });
  return { status: raw.statusCode, headers, body };
}

/** The CSV's lines (no field here needs quotes: dates and counts), header first, without the last CRLF. */
function lines(text: string): string[][] {
  expect(text.endsWith("\r\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\r\n")
    .map((line) => line.split(","));
}

type Retention = { report_time: number; cohorts: { cohort: string; size: number; retained: number[] }[] };
type Lifecycle = { buckets: Record<string, number | string>[] };
type Stickiness = { days: { active_days: number; count: number }[] };

describe("the §10 routes as CSV", () => {
  it("retention: one row per cohort, retained_0..retained_{n-1}, empty where a cohort has no k-th bucket yet", async () => {
    for (const [cadence, n] of [
      ["Weekly", 12],
      ["daily", 30],
      ["Monthly", 12],
    ] as const) {
      const json = (await invoke(handler, {
        path: "/api/backend/v1/retention",
        query: { cadence },
        headers: { Authorization: `Bearer ${apiKey}` },
      })) as { body: Retention };
      const res = await get("retention", { cadence }, "text/csv");
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      const canonical = cadence[0]?.toUpperCase() + cadence.slice(1);
      expect(res.headers["content-disposition"]).toBe(
        `attachment; filename="retention-users-${canonical}-${json.body.report_time}.csv"`,
      );
      expect(res.headers["x-report-time"]).toBe(String(json.body.report_time));
      expect(res.headers["x-total-count"]).toBe(String(n));
      const [header, ...rows] = lines(res.body as string);
      expect(header).toEqual(["cohort", "size", ...Array.from({ length: n }, (_, k) => `retained_${k}`)]);
      expect(rows).toEqual(
        json.body.cohorts.map((c) => [
          c.cohort,
          String(c.size),
          ...Array.from({ length: n }, (_, k) => (k < c.retained.length ? String(c.retained[k]) : "")),
        ]),
      );
    }
    // The weekly cohort of a and b, three weeks before T: 2 signed up, a active a week later, each since.
    const weekly = lines((await get("retention", { cadence: "weekly" }, "text/csv")).body as string);
    expect(weekly.at(-4)?.slice(1, 7)).toEqual(["2", "2", "1", "1", "1", ""]);
  });

  it("lifecycle: one row per bucket; stickiness: one row per day count; orgs too", async () => {
    for (const entity of ["users", "orgs"]) {
      const lifecycle = (await invoke(handler, {
        path: "/api/backend/v1/lifecycle",
        query: { cadence: "Weekly", entity },
        headers: { Authorization: `Bearer ${apiKey}` },
      })) as { body: Lifecycle };
      const csv = await get("lifecycle", { cadence: "Weekly", entity }, "text/csv;q=0.9, application/json;q=0.5");
      expect(lines(csv.body as string)).toEqual([
        ["date", "new", "returning", "resurrecting", "dormant"],
        ...lifecycle.body.buckets.map((b) => [b.date, b.new, b.returning, b.resurrecting, b.dormant].map(String)),
      ]);
      for (const interval of ["7", "30"]) {
        const stickiness = (await invoke(handler, {
          path: "/api/backend/v1/stickiness",
          query: { report_interval: interval, entity },
          headers: { Authorization: `Bearer ${apiKey}` },
        })) as { body: Stickiness };
        const res = await get("stickiness", { report_interval: interval, entity }, "text/csv");
        expect(res.headers["content-disposition"]).toMatch(
          new RegExp(`^attachment; filename="stickiness-${entity}-${interval}-\\d+\\.csv"$`),
        );
        expect(lines(res.body as string)).toEqual([
          ["active_days", "count"],
          ...stickiness.body.days.map((d) => [String(d.active_days), String(d.count)]),
        ]);
      }
    }
    const users7 = lines((await get("stickiness", { report_interval: "7" }, "text/csv")).body as string);
    // The window [T − 7 days, T): a (the hour before T) and b (at its start) one day each; c two (its sign-up at the
    // window's start, and two days before T).
    expect(users7.slice(1, 4)).toEqual([
      ["1", "2"],
      ["2", "1"],
      ["3", "0"],
    ]);
  });

  it("keeps JSON unless text/csv is preferred, and the family's JSON errors", async () => {
    const json = await get("lifecycle", {}, "application/json, text/csv");
    expect(json.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect((json.body as Lifecycle).buckets).toHaveLength(30);
    const { api_key: ingestOnly } = await createApiKey(store, environmentId, ["ingest"]);
    const cases: [string, Record<string, string>, string | null, number, unknown][] = [
      ["retention", {}, null, 401, { error: "unauthorized" }],
      ["lifecycle", {}, "eik_nope_nope", 401, { error: "unauthorized" }],
      ["stickiness", { report_interval: "7" }, ingestOnly, 403, { error: "forbidden" }],
      [
        "retention",
        { cadence: "Hourly" },
        apiKey,
        400,
        { error: "invalid_request", message: "cadence must be one of: Daily, Weekly, Monthly (any letter case)" },
      ],
      ["stickiness", {}, apiKey, 400, { error: "invalid_request", message: "report_interval must be one of: 7, 30" }],
    ];
    for (const [route, query, key, status, body] of cases) {
      const res = await get(route, query, "text/csv", key);
      expect([route, res.status, res.headers["content-type"], res.body]).toEqual([
        route,
        status,
        "application/json; charset=utf-8",
        body,
      ]);
    }
  });

  it("answers the same CSV through the local server", async () => {
    const viaHandler = await get("retention", { cadence: "Weekly" }, "text/csv");
    const response = await fetch(`${server.url}/api/backend/v1/retention?cadence=Weekly`, {
      headers: { accept: "text/csv", authorization: `Bearer ${apiKey}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("x-report-time")).toBe(viaHandler.headers["x-report-time"]);
    expect(await response.text()).toBe(viaHandler.body);
    const unauthorized = await fetch(`${server.url}/api/backend/v1/stickiness?report_interval=30`, {
      headers: { accept: "text/csv" },
    });
    expect([unauthorized.status, await unauthorized.json()]).toEqual([401, { error: "unauthorized" }]);
  });
});

describe("curveCsvResponse (pure)", () => {
  it("quotes and neutralises text cells, writes empty cells for missing values", async () => {
    const response = curveCsvResponse("retention", "Weekly", {
      entity: "users",
      cadence: "Weekly",
      report_time: 1764892800,
      cohorts: [
        { cohort: "=1+1", size: 2, retained: [2, -1] },
        { cohort: 'a,"b"', size: 0, retained: [0] },
        { cohort: "@x\r\ny", size: 1, retained: [] },
      ],
    });
    let text = "";
    for await (const chunk of response.body) text += chunk;
    const empty = ",".repeat(10);
    expect(text).toBe(
      `cohort,size,${Array.from({ length: 12 }, (_, k) => `retained_${k}`).join(",")}\r\n` +
        `'=1+1,2,2,-1${empty}\r\n` +
        `"a,""b""",0,0,${empty}\r\n` +
        `"'@x\r\ny",1,${empty},\r\n`,
    );
    expect(response.headers["x-total-count"]).toBe("3");
  });
});
