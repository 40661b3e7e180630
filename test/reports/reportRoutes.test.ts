import { BatchWriteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createEnvironment, revokeApiKey } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { REPORTS } from "../../lib/reports/definitions.js";
import { readReportPage } from "../../lib/reports/read.js";
import { listEnvironmentIds, refreshEnvironment } from "../../lib/reports/refresh.js";
import { SupersededSnapshotError } from "../../lib/reports/snapshot.js";
import type { Store } from "../../lib/storage/client.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { getReport } from "./helpers.js";

const DAY = 86_400_000;
const T = Date.UTC(2024, 5, 10, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => ms / 1000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

async function environmentWith(events: Record<string, unknown>[], createdAt = T - 400 * DAY) {
  const env = await createEnvironment(store, "reports", createdAt);
  if (events.length > 0) await ingestEvents(store, env.environment_id, events, T);
  return env;
}

describe("auth and parameters", () => {
  let apiKey: string;
  let environmentId: string;
  beforeAll(async () => {
    ({ api_key: apiKey, environment_id: environmentId } = await environmentWith([]));
  });

  it("answers 401 without a key, with an unknown or a revoked key", async () => {
    for (const key of [undefined, "eik_nope_nope", "not-a-key"]) {
      const response = await getReport(key, "user_report/churn", { report_interval: "7" });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: "unauthorized" });
    }
    const { api_key: revoked } = await createApiKey(store, environmentId, ["read"]);
    await revokeApiKey(store, environmentId, revoked);
    expect((await getReport(revoked, "user_report/churn", { report_interval: "7" })).status).toBe(401);
  });

  it("answers 403 to a key without read", async () => {
    const { api_key: ingestOnly } = await createApiKey(store, environmentId, ["ingest"]);
    const response = await getReport(ingestOnly, "org_report/growth", { report_interval: "30" });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: "forbidden" });
  });

  it("requires a report_interval among the route's values, naming them", async () => {
    for (const definition of REPORTS) {
      for (const bad of [undefined, "", "45", "weekly-ish", definition.intervals.includes("7") ? "30x" : "7"]) {
        const response = await getReport(apiKey, definition.name, bad === undefined ? {} : { report_interval: bad });
        expect(response.status, `${definition.name} ${bad}`).toBe(400);
        const body = response.body as { error: string; message: string };
        expect(body.error).toBe("invalid_request");
        expect(body.message).toContain("report_interval");
        for (const allowed of definition.intervals) expect(body.message).toContain(allowed);
      }
      for (const good of definition.intervals) {
        expect((await getReport(apiKey, definition.name, { report_interval: good })).status).toBe(200);
      }
    }
  });

  it("validates page_size (1–1000) and page_number (integer ≥ 0)", async () => {
    const bad: [string, string][] = [
      ["page_size", "0"],
      ["page_size", "1001"],
      ["page_size", "abc"],
      ["page_size", "2.5"],
      ["page_size", "-1"],
      ["page_size", ""],
      ["page_number", "-1"],
      ["page_number", "1.5"],
      ["page_number", "x"],
    ];
    for (const [name, value] of bad) {
      const response = await getReport(apiKey, "user_report/champion", { report_interval: "30", [name]: value });
      expect(response.status, `${name}=${value}`).toBe(400);
      expect((response.body as { message: string }).message).toContain(name);
      expect((response.body as { error: string }).error).toBe("invalid_request");
    }
    const ok = await getReport(apiKey, "user_report/champion", {
      report_interval: "30",
      page_size: "1000",
      page_number: "7",
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ current_page: 7, page_size: 1000 });
  });

  it("serves the empty snapshot of a new environment, dated at its creation", async () => {
    const createdAt = T - 3 * DAY + 1234;
    const { api_key } = await environmentWith([], createdAt);
    for (const definition of REPORTS) {
      const response = await getReport(api_key, definition.name, {
        report_interval: definition.intervals[0] as string,
      });
      expect(response.body).toEqual({
        [definition.subject === "user" ? "user_reports" : "org_reports"]: [],
        current_page: 0,
        total_count: 0,
        page_size: 10,
        has_more_results: false,
        report_time: Math.floor(createdAt / 1000),
      });
    }
  });
});

describe("row shapes", () => {
  let apiKey: string;
  beforeAll(async () => {
    const env = await environmentWith([
      { type: "user.created", occurred_at: iso(T - 100 * DAY), user_id: "alice", username: "alice", email: "a@x.io" },
      { type: "org.created", occurred_at: iso(T - 100 * DAY), org_id: "acme", name: "Acme" },
      { type: "org.created", occurred_at: iso(T - 100 * DAY), org_id: "beta", name: "Beta" },
      { type: "org.member_added", occurred_at: iso(T - 99 * DAY), org_id: "acme", user_id: "alice", role: "admin" },
      { type: "org.member_added", occurred_at: iso(T - 99 * DAY), org_id: "beta", user_id: "alice" },
      { type: "user.invited", occurred_at: iso(T - 10 * DAY), user_id: "alice", invitee_email: "b@x.io" },
      { type: "user.invited", occurred_at: iso(T - 9 * DAY), user_id: "alice", invitee_email: "c@x.io" },
      { type: "user.created", occurred_at: iso(T - 50 * DAY), user_id: "bob" },
      { type: "org.member_added", occurred_at: iso(T - 5 * DAY), org_id: "acme", user_id: "bob", role: "member" },
      { type: "org.member_removed", occurred_at: iso(T - 3 * DAY), org_id: "acme", user_id: "bob" },
      { type: "user.active", occurred_at: iso(T - DAY), user_id: "alice" },
    ]);
    apiKey = env.api_key;
    await refreshEnvironment(store, env.environment_id, T);
  });

  it("user rows carry exactly the documented fields, unknown strings null, instants in seconds", async () => {
    const response = await getReport(apiKey, "user_report/top_inviter", { report_interval: "30" });
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = response.body as { user_reports: Record<string, unknown>[]; report_time: number };
    expect(body.report_time).toBe(sec(T));
    expect(body.user_reports).toHaveLength(1);
    const [row] = body.user_reports as [Record<string, unknown>];
    expect(typeof row.id).toBe("string");
    expect(typeof row.report_id).toBe("string");
    const { id, report_id, ...rest } = row;
    expect(rest).toEqual({
      user_id: "alice",
      user_created_at: sec(T - 100 * DAY),
      username: "alice",
      first_name: null,
      last_name: null,
      email: "a@x.io",
      last_active_at: sec(T - DAY),
      org_data: [
        { display_name: "Acme", org_id: "acme", user_role: "admin" },
        { display_name: "Beta", org_id: "beta", user_role: null },
      ],
      extra_properties: { num_invites: 2 },
    });
  });

  it("org rows carry exactly the documented fields; extra_properties only where documented", async () => {
    const growth = (await getReport(apiKey, "org_report/growth", { report_interval: "30" })).body as {
      org_reports: Record<string, unknown>[];
    };
    expect(growth.org_reports.map(({ id, report_id, ...rest }) => rest)).toEqual([
      {
        org_id: "acme",
        name: "Acme",
        num_users: 1,
        org_created_at: sec(T - 100 * DAY),
        extra_properties: { num_users_added: 1, num_users_removed: 1 },
      },
    ]);
    const attrition = (await getReport(apiKey, "org_report/attrition", { report_interval: "30" })).body as {
      org_reports: Record<string, unknown>[];
    };
    expect(attrition.org_reports[0]?.extra_properties).toEqual({
      num_users_added: 1,
      num_users_removed: 1,
      net_users_change: 0,
    });
    // bob's only activity is its sign-up 50 days ago: churned; no extra_properties on churn rows.
    const churn = (await getReport(apiKey, "user_report/churn", { report_interval: "30" })).body as {
      user_reports: Record<string, unknown>[];
    };
    expect(churn.user_reports.map((r) => r.user_id)).toEqual(["bob"]);
    expect(churn.user_reports[0]).not.toHaveProperty("extra_properties");
    expect(churn.user_reports[0]?.org_data).toEqual([]);
    const orgChurn = (await getReport(apiKey, "org_report/churn", { report_interval: "7" })).body as {
      org_reports: Record<string, unknown>[];
    };
    // alice, a member of both orgs, was active a day ago: neither org churned.
    expect(orgChurn.org_reports).toEqual([]);
    const ids = [...growth.org_reports, ...attrition.org_reports, ...churn.user_reports].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("pages", () => {
  // 25 users signed up 40 days ago in 5 groups an hour apart (ties inside a group), never active since.
  const signups = Array.from({ length: 25 }, (_, i) => ({
    user_id: `p${String(i).padStart(2, "0")}`,
    at: T - 40 * DAY + (i % 5) * 3_600_000,
  }));
  const expectedOrder = [...signups]
    .sort((a, b) => b.at - a.at || (a.user_id < b.user_id ? -1 : 1))
    .map((u) => u.user_id);
  let apiKey: string;
  let environmentId: string;

  beforeAll(async () => {
    const env = await environmentWith(
      signups.map((u) => ({ type: "user.created", occurred_at: iso(u.at), user_id: u.user_id })),
    );
    apiKey = env.api_key;
    environmentId = env.environment_id;
    await refreshEnvironment(store, environmentId, T);
  });

  it("splits a ranking into pages by page_number and page_size", async () => {
    const seen: string[] = [];
    for (let page = 0; page < 4; page++) {
      const body = (
        await getReport(apiKey, "user_report/churn", { report_interval: "14", page_size: "10", page_number: `${page}` })
      ).body as { user_reports: { user_id: string }[] } & Record<string, unknown>;
      expect(body).toMatchObject({
        current_page: page,
        total_count: 25,
        page_size: 10,
        has_more_results: (page + 1) * 10 < 25,
        report_time: sec(T),
      });
      expect(body.user_reports).toHaveLength(Math.max(0, Math.min(10, 25 - page * 10)));
      seen.push(...body.user_reports.map((r) => r.user_id));
    }
    expect(seen).toEqual(expectedOrder);
    const defaults = (await getReport(apiKey, "user_report/churn", { report_interval: "7" })).body as {
      user_reports: { user_id: string }[];
      page_size: number;
    };
    expect(defaults.page_size).toBe(10);
    expect(defaults.user_reports.map((r) => r.user_id)).toEqual(expectedOrder.slice(0, 10));
  });

  it("reads only the requested page: the rank chunk holding it, not the report", async () => {
    const itemsRead = new Map<string, number>();
    const counting = interceptedStore(store, async (command, send) => {
      const output = (await send()) as { Responses?: Record<string, unknown[]>; ScannedCount?: number };
      for (const [table, items] of Object.entries(output.Responses ?? {}))
        itemsRead.set(table, (itemsRead.get(table) ?? 0) + items.length);
      if (command instanceof QueryCommand)
        itemsRead.set("query", (itemsRead.get("query") ?? 0) + (output.ScannedCount ?? 0));
      return output;
    });
    const page = await readReportPage(counting, environmentId, "user_report/churn", "30", 2, 7);
    expect(page.rows.map((r) => (r as { user_id: string }).user_id)).toEqual(expectedOrder.slice(14, 21));
    // Ranks 14–20 lie in the chunk of ranks 0–19 and the one of 20–39; no Query over the report.
    expect(Object.fromEntries(itemsRead)).toEqual({ [store.tables.reports]: 2 });
  });

  it("rows are as of report_time: a user deleted since stays until the next refresh drops it", async () => {
    const gone = expectedOrder[1] as string;
    const read = async () =>
      (await getReport(apiKey, "user_report/churn", { report_interval: "14", page_size: "10" })).body as {
        user_reports: { user_id: string }[];
        total_count: number;
      };
    const before = await read();
    await ingestEvents(
      store,
      environmentId,
      [{ type: "user.deleted", occurred_at: iso(T + 1000), user_id: gone }],
      T + 2000,
    );
    expect(await read()).toEqual(before);
    await refreshEnvironment(store, environmentId, T + 3000);
    const after = await read();
    expect(after.total_count).toBe(24);
    expect(after.user_reports.map((r) => r.user_id)).toEqual(expectedOrder.filter((id) => id !== gone).slice(0, 10));
  });
});

describe("snapshots", () => {
  it("a refresh failing midway leaves the previous snapshot served; the next one starts clean", async () => {
    const users = Array.from({ length: 60 }, (_, i) => `f${i}`);
    const env = await environmentWith(
      users.map((user_id, i) => ({ type: "user.created", occurred_at: iso(T - 20 * DAY - i * 1000), user_id })),
    );
    const T1 = T - 2 * DAY;
    await refreshEnvironment(store, env.environment_id, T1);
    const before = await getReport(env.api_key, "user_report/churn", { report_interval: "14", page_size: "1000" });
    expect((before.body as { total_count: number }).total_count).toBe(60);

    await ingestEvents(
      store,
      env.environment_id,
      users.slice(0, 30).map((user_id) => ({ type: "user.active", occurred_at: iso(T - DAY), user_id })),
      T,
    );
    let batchWrites = 0;
    const faulty = interceptedStore(store, async (command, send) => {
      if (command instanceof BatchWriteCommand && ++batchWrites === 3) throw new Error("injected fault");
      return send();
    });
    await expect(refreshEnvironment(faulty, env.environment_id, T)).rejects.toThrow("injected fault");
    expect(batchWrites).toBeGreaterThanOrEqual(3);

    const after = await getReport(env.api_key, "user_report/churn", { report_interval: "14", page_size: "1000" });
    expect(after.body).toEqual(before.body);
    expect((after.body as { report_time: number }).report_time).toBe(sec(T1));

    await refreshEnvironment(store, env.environment_id, T);
    const fresh = (await getReport(env.api_key, "user_report/churn", { report_interval: "14", page_size: "1000" }))
      .body as { total_count: number; report_time: number; user_reports: { user_id: string }[] };
    expect(fresh.report_time).toBe(sec(T));
    expect(fresh.total_count).toBe(30);
    expect(fresh.user_reports.map((r) => r.user_id).sort()).toEqual(users.slice(30).sort());
  });

  it("never replaces a newer snapshot; the same instant may be recomputed", async () => {
    const env = await environmentWith([{ type: "user.created", occurred_at: iso(T - 20 * DAY), user_id: "a" }]);
    await refreshEnvironment(store, env.environment_id, T);
    await expect(refreshEnvironment(store, env.environment_id, T - 1000)).rejects.toBeInstanceOf(
      SupersededSnapshotError,
    );
    expect(await refreshEnvironment(store, env.environment_id, T + 999)).toEqual({ report_time: sec(T) });
    const body = (await getReport(env.api_key, "user_report/churn", { report_interval: "7" })).body as {
      report_time: number;
      total_count: number;
    };
    expect(body).toMatchObject({ report_time: sec(T), total_count: 1 });
  });

  it("lists every environment for the dispatcher", async () => {
    const a = await environmentWith([]);
    const b = await environmentWith([]);
    const ids = await listEnvironmentIds(store);
    expect(ids).toEqual(expect.arrayContaining([a.environment_id, b.environment_id]));
  });
});
