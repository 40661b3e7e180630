import { describe, expect, it } from "vitest";
import {
  EngagementInsights,
  EngagementInsightsError,
  EngagementInsightsReader,
  type FetchLike,
  type IngestionError,
} from "../src/index.js";

/**
 * No method of either client throws synchronously: the reader's methods reject their promise (missing credentials,
 * bad arguments), the ingestion client's event methods report a bad event through onError and still return an id,
 * and flush / closeAndFlush resolve. A caller's `.catch` (or onError) sees every failure.
 */

const neverCalled: FetchLike = () => Promise.reject(new Error("no request expected"));

/** Calls `call` and says how it ended: a synchronous throw, or its promise's settling. */
async function outcome(call: () => unknown): Promise<"threw" | "resolved" | unknown> {
  let result: unknown;
  try {
    result = call();
  } catch {
    return "threw";
  }
  try {
    await result;
    return "resolved";
  } catch (error) {
    return error;
  }
}

describe("the reader never throws synchronously", () => {
  const bare = new EngagementInsightsReader({ apiUrl: "http://127.0.0.1:9", fetch: neverCalled });
  const methods: [string, () => unknown][] = [
    ["fetchUserTopInviterReport", () => bare.fetchUserTopInviterReport("30")],
    ["fetchUserChampionReport", () => bare.fetchUserChampionReport("30")],
    ["fetchUserReengagementReport", () => bare.fetchUserReengagementReport("Weekly")],
    ["fetchUserChurnReport", () => bare.fetchUserChurnReport("7")],
    ["fetchOrgReengagementReport", () => bare.fetchOrgReengagementReport("Weekly")],
    ["fetchOrgChurnReport", () => bare.fetchOrgChurnReport("7")],
    ["fetchOrgGrowthReport", () => bare.fetchOrgGrowthReport("30")],
    ["fetchOrgAttritionReport", () => bare.fetchOrgAttritionReport("30")],
    ["fetchChartMetricData", () => bare.fetchChartMetricData("signups")],
    ["fetchUserSignupQueryParams", () => bare.fetchUserSignupQueryParams("u")],
    ["activeUsers", () => bare.activeUsers("2026-01-01", "2026-01-02")],
    ["newUsers", () => bare.newUsers("2026-01-01", "2026-01-02")],
    ["users.list", () => bare.users.list().next()],
    ["users.page", () => bare.users.page()],
    ["users.get", () => bare.users.get("u")],
    ["activeUsersCount", () => bare.activeUsersCount()],
    ["downloadReportCsv", () => bare.downloadReportCsv("user_report/churn", "7")],
    ["downloadRetentionCsv", () => bare.downloadRetentionCsv()],
    ["downloadLifecycleCsv", () => bare.downloadLifecycleCsv()],
    ["downloadStickinessCsv", () => bare.downloadStickinessCsv("30")],
    ["fetchRetention", () => bare.fetchRetention()],
    ["fetchLifecycle", () => bare.fetchLifecycle()],
    ["fetchStickiness", () => bare.fetchStickiness("30")],
    ["usersByTimeOfDay", () => bare.usersByTimeOfDay("2026-01-01", "2026-01-02")],
    ["busierHourlyData", () => bare.busierHourlyData("2026-01-02")],
    ["busierWeeklyData", () => bare.busierWeeklyData("2026-01-02")],
  ];

  it("every method rejects with EngagementInsightsError when its credentials are missing", async () => {
    const prototypeMethods = Object.getOwnPropertyNames(EngagementInsightsReader.prototype).filter(
      (name) => name !== "constructor" && !name.endsWith("Headers") && !["get", "report", "downloadCsv"].includes(name),
    );
    // Every public method is in the list above (a new one must be added to it).
    const listed = new Set(methods.map(([name]) => name));
    for (const name of prototypeMethods.filter((n) => !["usersPage", "listUsers"].includes(n))) {
      expect(listed.has(name), name).toBe(true);
    }
    for (const [name, call] of methods) {
      const ended = await outcome(call);
      expect(ended, name).toBeInstanceOf(EngagementInsightsError);
    }
  });

  it("bad arguments reject too (an invalid Date)", async () => {
    const reader = new EngagementInsightsReader({
      apiUrl: "http://127.0.0.1:9",
      userId: "u",
      authToken: "t",
      fetch: neverCalled,
    });
    for (const call of [
      () => reader.activeUsers(new Date(Number.NaN), "2026-01-02"),
      () => reader.newUsers("2026-01-01", new Date(Number.NaN)),
    ]) {
      expect(await outcome(call)).toBeInstanceOf(RangeError);
    }
  });
});

describe("the ingestion client never throws", () => {
  it("reports an event it cannot send as JSON, returns its id, and goes on", async () => {
    const errors: IngestionError[] = [];
    const sent: unknown[] = [];
    const client = new EngagementInsights({
      apiUrl: "http://127.0.0.1:9",
      apiKey: "k",
      fetch: async (_input, init) => {
        const events = JSON.parse(String(init.body)).events;
        sent.push(...events);
        return new Response(JSON.stringify({ accepted: events.length, duplicates: 0 }), { status: 200 });
      },
      onError: (e) => errors.push(e),
    });
    const calls: (() => unknown)[] = [
      () => client.userActive({ user_id: "a", occurred_at: new Date(Number.NaN) }),
      () => client.userUpdated({ user_id: "b", profile: { n: 1n } as never }),
      () => client.userCreated(undefined as never),
      () => client.track(undefined as never),
    ];
    for (const call of calls) expect(typeof call()).toBe("string");
    client.userActive({ user_id: "ok" });
    expect(await outcome(() => client.flush())).toBe("resolved");
    expect(await outcome(() => client.closeAndFlush())).toBe("resolved");
    expect(errors.map((e) => e.reason)).toEqual(["invalid_event", "invalid_event"]);
    expect(sent).toHaveLength(3);
    expect(client.totals).toEqual({ accepted: 3, duplicates: 0, failed: 2 });
  });
});
