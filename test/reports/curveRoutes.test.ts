import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createEnvironment, revokeApiKey } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { readCurve } from "../../lib/reports/curvesRead.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { getReport } from "./helpers.js";

/** Retention, lifecycle, stickiness routes (CONTRACT §10 with §6's auth and errors). */

const DAY = 86_400_000;
const T = Date.UTC(2026, 11, 4, 10, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString();
let store: Store;
let apiKey: string;
let environmentId: string;

beforeAll(async () => {
  store = await testStore();
  ({ api_key: apiKey, environment_id: environmentId } = await createEnvironment(store, "curves", T - 400 * DAY));
});

describe("auth and parameters", () => {
  const routes = [
    ["retention", {}],
    ["lifecycle", { cadence: "weekly" }],
    ["stickiness", { report_interval: "7" }],
  ] as const;

  it("answers 401 without a key or with a revoked one, 403 to a key without read", async () => {
    const { api_key: revoked } = await createApiKey(store, environmentId, ["read"]);
    await revokeApiKey(store, environmentId, revoked);
    const { api_key: ingestOnly } = await createApiKey(store, environmentId, ["ingest"]);
    for (const [route, query] of routes) {
      for (const key of [undefined, "eik_nope_nope", revoked]) {
        const response = await getReport(key, route, query);
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ error: "unauthorized" });
      }
      const response = await getReport(ingestOnly, route, query);
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: "forbidden" });
    }
  });

  it("answers 400 naming the parameter and its allowed values", async () => {
    const cases: [string, Record<string, string>, string][] = [
      ["retention", { entity: "teams" }, "entity must be one of: users, orgs"],
      ["lifecycle", { entity: "" }, "entity must be one of: users, orgs"],
      ["retention", { cadence: "Hourly" }, "cadence must be one of: Daily, Weekly, Monthly (any letter case)"],
      ["lifecycle", { cadence: "" }, "cadence must be one of: Daily, Weekly, Monthly (any letter case)"],
      ["stickiness", {}, "report_interval must be one of: 7, 30"],
      ["stickiness", { report_interval: "14" }, "report_interval must be one of: 7, 30"],
      ["stickiness", { report_interval: "30", entity: "org" }, "entity must be one of: users, orgs"],
    ];
    for (const [route, query, message] of cases) {
      const response = await getReport(apiKey, route, query);
      expect(response.status, `${route} ${JSON.stringify(query)}`).toBe(400);
      expect(response.body).toEqual({ error: "invalid_request", message });
    }
  });

  it("answers a new environment's empty snapshot with every bucket, zeros included", async () => {
    const created = T - 400 * DAY;
    const retention = await getReport(apiKey, "retention", { entity: "orgs", cadence: "MONTHLY" });
    const body = retention.body as { cohorts: { cohort: string; size: number; retained: number[] }[] };
    expect(retention.status).toBe(200);
    expect(body).toMatchObject({ entity: "orgs", cadence: "Monthly", report_time: created / 1000 });
    expect(body.cohorts.map((c) => c.retained.length)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(body.cohorts.every((c) => c.size === 0 && c.retained.every((n) => n === 0))).toBe(true);
    // The snapshot's T is the environment's creation: its month is the last cohort.
    expect(body.cohorts.at(-1)?.cohort).toBe(`${iso(created).slice(0, 7)}-01`);
    const stickiness = await getReport(apiKey, "stickiness", { report_interval: "30" });
    expect(stickiness.body).toMatchObject({ entity: "users", report_interval: 30, active: 0, days: { length: 31 } });
  });
});

describe("served from the snapshot", () => {
  it("counts one cohort's retention, lifecycle and stickiness, and reads two items whatever the tenant", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "curves-small", T - 400 * DAY);
    const week = (k: number) => iso(T - k * 7 * DAY);
    await ingestEvents(
      store,
      e,
      [
        { type: "user.created", user_id: "a", occurred_at: week(3) },
        { type: "user.created", user_id: "b", occurred_at: week(3) },
        { type: "user.active", user_id: "a", occurred_at: week(2) },
        { type: "user.active", user_id: "a", occurred_at: iso(T - 3_600_000) },
        { type: "user.active", user_id: "b", occurred_at: week(1) },
        // Deleted later: still in its cohort and in the weeks it was active (CONTRACT §10).
        { type: "user.deleted", user_id: "b", occurred_at: iso(T - 3 * DAY) },
      ],
      T,
    );
    await refreshEnvironment(store, e, T);
    const retention = await getReport(api_key, "retention", { cadence: "Weekly" });
    const cohorts = (retention.body as { cohorts: { size: number; retained: number[] }[] }).cohorts;
    expect(cohorts.at(-4)).toMatchObject({ size: 2, retained: [2, 1, 1, 1] });
    const lifecycle = await getReport(api_key, "lifecycle", { cadence: "weekly" });
    const buckets = (lifecycle.body as { buckets: Record<string, number>[] }).buckets.slice(-4);
    expect(buckets.map(({ date, ...counts }) => counts)).toEqual([
      { new: 2, returning: 0, resurrecting: 0, dormant: 0 },
      { new: 0, returning: 1, resurrecting: 0, dormant: 1 },
      { new: 0, returning: 0, resurrecting: 1, dormant: 1 },
      { new: 0, returning: 0, resurrecting: 1, dormant: 1 },
    ]);
    // b is deleted at T: not among the users existing at T.
    const stickiness = await getReport(api_key, "stickiness", { report_interval: "7" });
    const sticky = stickiness.body as { active: number; days: { active_days: number; count: number }[] };
    expect(sticky.active).toBe(1);
    expect(sticky.days.map((d) => d.count)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);

    let commands = 0;
    let items = 0;
    const counting = interceptedStore(store, async (_command, send) => {
      const output = (await send()) as { Item?: unknown; Items?: unknown[] };
      commands++;
      items += (output.Item ? 1 : 0) + (output.Items?.length ?? 0);
      return output;
    });
    for (const entity of ["users", "orgs"] as const) {
      commands = 0;
      items = 0;
      await readCurve(counting, e, "retention", entity, "Weekly");
      // The pointer, then the curve's item (written for orgs too, with zeros): two GetItems by key.
      expect(commands).toBe(2);
      expect(items).toBe(2);
    }
  });
});
