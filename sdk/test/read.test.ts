import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createUserToken } from "../../lib/auth/credentials.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import {
  AttritionReportInterval,
  ChampionReportInterval,
  ChartMetric,
  ChartMetricCadence,
  ChurnReportInterval,
  CurveCadence,
  CurveEntity,
  EngagementInsights,
  EngagementInsightsReader,
  ForbiddenError,
  GrowthReportInterval,
  InvalidRequestError,
  NotFoundError,
  ReengagementReportInterval,
  StickinessInterval,
  TopInviterReportInterval,
  UnauthorizedError,
} from "../src/index.js";
import { conformingFetch, type LocalService, startLocalService } from "./localService.js";

/**
 * Every read-client method once against the local server, on a small history sent with the ingestion client;
 * expected values follow from that history (CONTRACT §3–§6). Every answer is checked against the OpenAPI document.
 */

const DAY = 86_400_000;
const now = Date.now();
const daysAgo = (n: number) => new Date(now - n * DAY);
/** Sign-up order: ann, bob, cid, dee, eve. */
const USERS = ["ann", "bob", "cid", "dee", "eve"];

let service: LocalService;
let reader: EngagementInsightsReader;

beforeAll(async () => {
  service = await startLocalService();
  const ingest = new EngagementInsights({ apiUrl: service.url, apiKey: service.apiKey, fetch: conformingFetch });
  USERS.forEach((user_id, i) => {
    ingest.userCreated({
      user_id,
      occurred_at: daysAgo(20 - i),
      first_name: user_id.toUpperCase(),
      ...(user_id === "ann" ? { signup_query_parameters: { utm_source: "ad", "weird_key-x": "1" } } : {}),
    });
  });
  ingest.orgCreated({ org_id: "acme", name: "Acme", occurred_at: daysAgo(20) });
  ingest.orgMemberAdded({ org_id: "acme", user_id: "ann", role: "Admin", occurred_at: daysAgo(19) });
  ingest.orgMemberAdded({ org_id: "acme", user_id: "bob", occurred_at: daysAgo(18) });
  ingest.orgMemberRemoved({ org_id: "acme", user_id: "bob", occurred_at: daysAgo(2) });
  ingest.userInvited({ user_id: "ann", invitee_email: "x@example.com", occurred_at: daysAgo(3) });
  ingest.userInvited({ user_id: "ann", invitee_email: "y@example.com", occurred_at: daysAgo(3) });
  ingest.userActive({ user_id: "cid", occurred_at: daysAgo(1) });
  await ingest.closeAndFlush();
  await refreshEnvironment(service.store, service.environmentId, Date.now());
  const token = await createUserToken(service.store, service.environmentId, "dash");
  reader = new EngagementInsightsReader({
    apiUrl: service.url,
    apiKey: service.apiKey,
    environmentId: service.environmentId,
    userId: token.user_id,
    authToken: token.auth_token,
    fetch: conformingFetch,
  });
});
afterAll(async () => {
  await service?.close();
});

describe("read client: insights (PropelAuth's names, camelCase results)", () => {
  it("user reports", async () => {
    const inviters = await reader.fetchUserTopInviterReport(TopInviterReportInterval.THIRTY_DAYS);
    expect(inviters.userReports.map((r) => [r.userId, r.firstName, r.extraProperties?.numInvites])).toEqual([
      ["ann", "ANN", 2],
    ]);
    expect(inviters.userReports[0]?.orgData).toEqual([{ displayName: "Acme", orgId: "acme", userRole: "Admin" }]);
    const champions = await reader.fetchUserChampionReport(ChampionReportInterval.THIRTY_DAYS, { pageSize: 2 });
    expect(champions).toMatchObject({ totalCount: 5, pageSize: 2, currentPage: 0, hasMoreResults: true });
    expect(champions.userReports).toHaveLength(2);
    expect(typeof champions.reportTime).toBe("number");
    const page2 = await reader.fetchUserChampionReport(ChampionReportInterval.THIRTY_DAYS, {
      pageSize: 2,
      pageNumber: 2,
    });
    expect(page2).toMatchObject({ currentPage: 2, hasMoreResults: false });
    expect(page2.userReports).toHaveLength(1);
    const churned = await reader.fetchUserChurnReport(ChurnReportInterval.SEVEN_DAYS);
    expect(churned.userReports.map((r) => r.userId).sort()).toEqual(["ann", "bob", "dee", "eve"]);
    // cid: active last week, not the week before, active before that (its sign-up).
    const back = await reader.fetchUserReengagementReport(ReengagementReportInterval.WEEKLY);
    expect(back.userReports.map((r) => r.userId)).toEqual(["cid"]);
  });

  it("downloads a whole report as CSV, streamed, with its report_time and row count", async () => {
    const csv = await reader.downloadReportCsv("user_report/churn", ChurnReportInterval.SEVEN_DAYS);
    expect(csv.totalCount).toBe(4);
    const json = await reader.fetchUserChurnReport(ChurnReportInterval.SEVEN_DAYS);
    expect(csv.reportTime).toBe(json.reportTime);
    let text = "";
    for await (const chunk of csv.chunks()) text += chunk;
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(
      "id,report_id,user_id,user_created_at,username,first_name,last_name,email,last_active_at,org_data",
    );
    expect(lines.slice(1, -1).map((line) => line.split(",")[2])).toEqual(json.userReports.map((r) => r.userId));
    expect(lines.at(-1)).toBe("");
    await expect(
      new EngagementInsightsReader({ apiUrl: service.url, apiKey: "wrong" }).downloadReportCsv("org_report/churn", "7"),
    ).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("org reports", async () => {
    const growth = await reader.fetchOrgGrowthReport(GrowthReportInterval.THIRTY_DAYS);
    expect(growth.orgReports.map((r) => [r.orgId, r.name, r.numUsers, r.extraProperties])).toEqual([
      ["acme", "Acme", 1, { numUsersAdded: 2, numUsersRemoved: 1 }],
    ]);
    const attrition = await reader.fetchOrgAttritionReport(AttritionReportInterval.NINETY_DAYS);
    expect(attrition.orgReports[0]?.extraProperties).toEqual({
      numUsersAdded: 2,
      numUsersRemoved: 1,
      netUsersChange: 1,
    });
    // No member of acme was active in the last 14 days (membership changes are not activity).
    const churned = await reader.fetchOrgChurnReport(ChurnReportInterval.FOURTEEN_DAYS);
    expect(churned.orgReports.map((r) => r.orgId)).toEqual(["acme"]);
    expect((await reader.fetchOrgReengagementReport(ReengagementReportInterval.MONTHLY)).orgReports).toEqual([]);
  });

  it("charts and sign-up parameters (their keys left as sent)", async () => {
    const chart = await reader.fetchChartMetricData(
      ChartMetric.SIGNUPS,
      ChartMetricCadence.DAILY,
      daysAgo(25),
      daysAgo(0),
    );
    expect(chart.chartType).toBe("Signups");
    expect(chart.metrics).toHaveLength(26);
    expect(chart.metrics.reduce((sum, m) => sum + m.result, 0)).toBe(5);
    expect(chart.metrics.at(-1)?.cadenceCompleted).toBe(false);
    const weekly = await reader.fetchChartMetricData(ChartMetric.ACTIVE_USERS, ChartMetricCadence.WEEKLY);
    expect(weekly.cadence).toBe("Weekly");
    expect(await reader.fetchUserSignupQueryParams("ann")).toEqual({
      userSignupQueryParameters: { utm_source: "ad", "weird_key-x": "1" },
    });
  });
});

describe("read client: retention, lifecycle, stickiness (CONTRACT §10)", () => {
  it("reads the snapshot's cohorts, lifecycle buckets and active-day histogram", async () => {
    const retention = await reader.fetchRetention({ cadence: CurveCadence.DAILY });
    expect(retention).toMatchObject({ entity: "users", cadence: "Daily" });
    expect(typeof retention.reportTime).toBe("number");
    expect(retention.cohorts).toHaveLength(30);
    // The five sign-ups, 20 to 16 days ago: each its own cohort, retained[0] = size.
    expect(retention.cohorts.filter((c) => c.size > 0).map((c) => [c.size, c.retained[0]])).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    const lifecycle = await reader.fetchLifecycle({ entity: CurveEntity.USERS, cadence: CurveCadence.DAILY });
    expect(lifecycle.buckets.reduce((sum, b) => sum + b.new, 0)).toBe(5);
    // cid, active a day ago after its sign-up: resurrecting that day.
    expect(lifecycle.buckets.reduce((sum, b) => sum + b.resurrecting, 0)).toBe(1);
    const users = await reader.fetchStickiness(StickinessInterval.THIRTY_DAYS);
    expect(users).toMatchObject({ entity: "users", reportInterval: 30, active: 5 });
    expect(users.days.slice(0, 3)).toEqual([
      { activeDays: 1, count: 4 },
      { activeDays: 2, count: 1 },
      { activeDays: 3, count: 0 },
    ]);
    const orgs = await reader.fetchStickiness(StickinessInterval.SEVEN_DAYS, { entity: CurveEntity.ORGS });
    expect(orgs).toMatchObject({ entity: "orgs", reportInterval: 7, active: 0 });
    await expect(reader.fetchStickiness("14" as StickinessInterval)).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("downloads each as CSV: the JSON answer's rows, with its report_time", async () => {
    const rows = (text: string) => text.split("\r\n").slice(0, -1);
    const retention = await reader.fetchRetention({ cadence: CurveCadence.WEEKLY });
    const retentionCsv = await reader.downloadRetentionCsv({ cadence: CurveCadence.WEEKLY });
    expect(retentionCsv.reportTime).toBe(retention.reportTime);
    expect(retentionCsv.totalCount).toBe(12);
    let text = "";
    for await (const chunk of retentionCsv.chunks()) text += chunk;
    const [header, ...cohorts] = rows(text);
    expect(header).toBe(`cohort,size,${Array.from({ length: 12 }, (_, k) => `retained_${k}`).join(",")}`);
    expect(cohorts.map((line) => line.split(",").slice(0, 3))).toEqual(
      retention.cohorts.map((c) => [c.cohort, String(c.size), String(c.retained[0])]),
    );
    const lifecycle = await reader.fetchLifecycle({ cadence: CurveCadence.DAILY });
    const lifecycleCsv = rows(await (await reader.downloadLifecycleCsv({ cadence: CurveCadence.DAILY })).text());
    expect(lifecycleCsv).toEqual([
      "date,new,returning,resurrecting,dormant",
      ...lifecycle.buckets.map((b) => [b.date, b.new, b.returning, b.resurrecting, b.dormant].join(",")),
    ]);
    const stickinessCsv = await reader.downloadStickinessCsv(StickinessInterval.THIRTY_DAYS, {
      entity: CurveEntity.USERS,
    });
    expect(rows(await stickinessCsv.text()).slice(0, 3)).toEqual(["active_days,count", "1,4", "2,1"]);
    await expect(reader.downloadStickinessCsv("14" as StickinessInterval)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(
      new EngagementInsightsReader({ apiUrl: service.url, apiKey: "wrong" }).downloadLifecycleCsv(),
    ).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe("read client: engagement dashboard and users", () => {
  it("activeUsers and newUsers", async () => {
    const active = await reader.activeUsers(daysAgo(30), daysAgo(0));
    expect(active.success).toBe(true);
    expect(active.month.flatMap((d) => d.usersList).sort()).toEqual(["ann", "bob", "cid", "cid", "dee", "eve"]);
    const fresh = await reader.newUsers(daysAgo(30), daysAgo(0));
    expect(fresh.period.count).toBe(5);
    expect(fresh.days.reduce((sum, d) => sum + d.users, 0)).toBe(5);
  });

  it("usersByTimeOfDay, busierHourlyData and busierWeeklyData", async () => {
    const byHour = await reader.usersByTimeOfDay(daysAgo(30), daysAgo(0));
    const weekly = await reader.busierWeeklyData(daysAgo(0));
    const hourly = await reader.busierHourlyData(new Date());
    expect([byHour.success, weekly.success, hourly.success]).toEqual([true, true, true]);
    // Each user was active once on each of its days (cid twice): 6 user-hours in 30 days, 1 user-day in the last 8.
    const active = await reader.activeUsers(daysAgo(7), daysAgo(0));
    const weekUsers = weekly.month.reduce((sum, d) => sum + d.users, 0);
    expect(weekly.month).toHaveLength(8);
    expect(weekUsers).toBe(active.month.reduce((sum, d) => sum + d.users, 0));
    expect(byHour.week.reduce((sum, h) => sum + h.users, 0)).toBe(6);
    expect(weekUsers).toBe(1);
    expect(hourly.hours.map((h) => h.hour)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
  });

  it("users.list iterates every page in sign-up order; users.get; activeUsersCount", async () => {
    const listed: string[] = [];
    for await (const user of reader.users.list({ limit: 2 })) listed.push(user._id);
    expect(listed).toEqual(USERS);
    const ann = await reader.users.get("ann");
    expect(ann).toMatchObject({ _id: "ann", firstName: "ANN", lastName: null, profile: {} });
    expect(await reader.activeUsersCount()).toBe(5);
    expect(await reader.activeUsersCount({ days: 7 })).toBe(1);
  });

  it("users.page gives one page with its cursors, and follows a cursor either way", async () => {
    const first = await reader.users.page({ limit: 2 });
    expect(first.data.map((u) => u._id)).toEqual(["ann", "bob"]);
    expect(first.data[0]).toMatchObject({ firstName: "ANN", lastName: null });
    expect(first.pagination).toMatchObject({ hasPrevious: false, hasNext: true });
    const second = await reader.users.page(first.pagination.next as string);
    expect(second.data.map((u) => u._id)).toEqual(["cid", "dee"]);
    expect(second.pagination).toMatchObject({ hasPrevious: true, hasNext: true });
    const back = await reader.users.page(second.pagination.previous as string);
    expect(back.data.map((u) => u._id)).toEqual(["ann", "bob"]);
    const last = await reader.users.page(second.pagination.next as string);
    expect(last.data.map((u) => u._id)).toEqual(["eve"]);
    expect(last.pagination.hasNext).toBe(false);
    expect(last.pagination.next).toBeUndefined();
  });
});

describe("read client: typed errors", () => {
  it("401, 403, 400 with the server's message, 404", async () => {
    const base = { apiUrl: service.url, environmentId: service.environmentId, fetch: conformingFetch };
    await expect(
      new EngagementInsightsReader({ ...base, apiKey: "wrong" }).fetchUserChurnReport(ChurnReportInterval.SEVEN_DAYS),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    const { api_key } = await createApiKey(service.store, service.environmentId, ["ingest"]);
    await expect(new EngagementInsightsReader({ ...base, apiKey: api_key }).users.get("ann")).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    const invalid = reader.fetchUserChampionReport(ChampionReportInterval.THIRTY_DAYS, { pageSize: 5000 });
    await expect(invalid).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(invalid).rejects.toThrow(/page_size/);
    await expect(reader.users.get("nobody")).rejects.toBeInstanceOf(NotFoundError);
    await expect(reader.fetchUserSignupQueryParams("nobody")).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      new EngagementInsightsReader({ ...base, userId: "dash", authToken: "wrong" }).newUsers(daysAgo(1), daysAgo(0)),
    ).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
