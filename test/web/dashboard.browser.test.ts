// Callbacks passed to page.evaluate run in the browser: test/web is type-checked with the DOM types (web/tsconfig.json).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { ensureWebBuild, WEB_DIST } from "../../infra/webBuild.js";
import type { DemoCredentials } from "../../lib/demo/demoEnvironment.js";
import { type DemoServer, startDemoServer } from "../../scripts/lib/demoServer.js";
import { testStore } from "../helpers/store.js";
import { browserUnavailableReason, launchBrowser } from "./browser.js";

/**
 * The dashboard in a real headless Chromium, against what `npm start` runs (scripts/lib/demoServer.ts: demo
 * environment, first refresh done, API and web/dist on one port) on this run's DynamoDB Local. One server and one
 * browser for the whole file; a smaller demo history than `npm start`'s keeps it fast.
 */

const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`Skipping the dashboard browser tests: ${unavailable}`);

const SCREENSHOTS = join(PROJECT_ROOT, "test-results");
const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let demo: DemoServer;
let credentials: DemoCredentials;
let base: string;
let browser: Browser;
/** Console errors and uncaught exceptions of every page, by page label. */
const problems: string[] = [];

/** A new tab whose console errors and uncaught exceptions go to `sink` (the shared `problems` unless a test expects some). */
async function openPage(label: string, width = 1280, sink: string[] = problems): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  page.on("console", (message) => {
    if (message.type() === "error") sink.push(`${label}: console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => sink.push(`${label}: uncaught: ${(error as Error).message}`));
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForSelector("#api-key");
  // Prefilled from the demo credentials, as under `npm start`.
  expect(await page.$eval("#api-key", (el) => (el as HTMLInputElement).value)).toBe(credentials.api_key);
  expect(await page.$eval("#environment-id", (el) => (el as HTMLInputElement).value)).toBe(credentials.environment_id);
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top nav");
}

/** Sets a date (or any) input the way a user's edit does: value, then the change event. */
async function setInput(page: Page, selector: string, value: string, event = "change"): Promise<void> {
  await page.$eval(
    selector,
    (el, v, e) => {
      const input = el as HTMLInputElement;
      input.value = v;
      input.dispatchEvent(new Event(e, { bubbles: true }));
    },
    value,
    event,
  );
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${credentials.api_key}`, "environment-id": credentials.environment_id },
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });

async function noHorizontalScroll(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

async function seriousAxeViolations(page: Page): Promise<string[]> {
  const { AxePuppeteer } = await import("@axe-core/puppeteer");
  const results = await new AxePuppeteer(page).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe.skipIf(unavailable)("dashboard in a browser", () => {
  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const store = await testStore();
    const [server, launched] = await Promise.all([
      startDemoServer({
        store,
        port: 0,
        credentialsPath: join(mkdtempSync(join(tmpdir(), "dashboard-")), "demo-credentials.json"),
        webDir: WEB_DIST,
        refreshEveryMs: 3_600_000,
        demo: { users: 40, orgs: 4, days: 35, seed: 7 },
      }),
      launchBrowser(),
    ]);
    demo = server;
    browser = launched;
    await demo.ready;
    credentials = demo.credentials;
    base = demo.server.url;
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("signs in with the demo key; the sign-ups chart draws one point per bucket, and Weekly changes the count", async () => {
    const page = await openPage("overview");
    await signIn(page);
    const end = Date.now();
    const start = end - 41 * DAY_MS;
    const startDate = utcDay(start);
    const endDate = utcDay(end);
    await setInput(page, "input[name=start-date]", startDate);
    await setInput(page, "input[name=end-date]", endDate);

    const drawn = (expected: number) =>
      page.waitForFunction(
        (n) => document.querySelector("#chart-signups .chart")?.getAttribute("data-points") === String(n),
        { timeout: 15_000 },
        expected,
      );
    const bucketDates = () =>
      page.$$eval("#chart-signups table tbody tr td:first-child", (cells) => cells.map((c) => c.textContent));

    // 42 UTC days from start through end.
    const days = Array.from({ length: 42 }, (_, i) => utcDay(start + i * DAY_MS));
    await drawn(days.length);
    expect(await bucketDates()).toEqual(days);
    const signups = await api<{ metrics: { date: string; result: number }[] }>(
      `/api/backend/v1/chart_metric/signups?cadence=Daily&start_date=${startDate}&end_date=${endDate}`,
    );
    const drawnValues = await page.$$eval("#chart-signups table tbody tr td:nth-child(2)", (cells) =>
      cells.map((c) => Number(c.textContent?.replace(/\D/g, ""))),
    );
    expect(drawnValues).toEqual(signups.metrics.map((m) => m.result));
    await screenshot(page, "overview-daily");

    // The ISO weeks (dated by their Monday) that hold those days: 7 or 8 of them.
    const mondays = [...new Set(days.map((d) => utcDay(Date.parse(d) - ((new Date(d).getUTCDay() + 6) % 7) * DAY_MS)))];
    await page.click("fieldset.segmented button:nth-of-type(2)");
    expect(await page.$eval("fieldset.segmented button:nth-of-type(2)", (b) => b.getAttribute("aria-pressed"))).toBe(
      "true",
    );
    await drawn(mondays.length);
    expect(mondays.length).not.toBe(days.length);
    expect(await bucketDates()).toEqual(mondays);
    await screenshot(page, "overview-weekly");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it("shows a report page with the API's rows for the same page, as of its report_time; Next shows the next page", async () => {
    const page = await openPage("report");
    await signIn(page);
    await page.goto(`${base}/#/reports/user_report/champion?interval=30&size=10&page=0`);
    type Page = {
      user_reports: { id: string; user_id: string; extra_properties: { num_active_days: number } }[];
      report_time: number;
      total_count: number;
    };
    const rowsShown = async () =>
      page.$$eval("table.report tbody tr", (rows) =>
        rows.map((r) => ({
          id: r.getAttribute("data-row-id"),
          user_id: r.getAttribute("data-subject-id"),
          days: Number(r.querySelector("td:last-child")?.textContent?.replace(/\D/g, "")),
        })),
      );
    const expectPage = async (number: number) => {
      const body = await api<Page>(
        `/api/backend/v1/user_report/champion?report_interval=30&page_size=10&page_number=${number}`,
      );
      expect(body.user_reports.length).toBe(10);
      await page.waitForFunction(
        (first) => document.querySelector("table.report tbody tr")?.getAttribute("data-row-id") === first,
        { timeout: 15_000 },
        body.user_reports[0]?.id,
      );
      expect(await rowsShown()).toEqual(
        body.user_reports.map((r) => ({ id: r.id, user_id: r.user_id, days: r.extra_properties.num_active_days })),
      );
      expect(await page.$eval(".meta time", (t) => t.getAttribute("datetime"))).toBe(
        new Date(body.report_time * 1000).toISOString(),
      );
      expect(await page.$eval(".pager span", (s) => s.textContent)).toBe(
        `Page ${number + 1} of ${Math.ceil(body.total_count / 10)}`,
      );
      return body;
    };
    const first = await expectPage(0);
    expect(first.total_count).toBeGreaterThan(20);
    await screenshot(page, "report-champion");
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.click(".pager button:last-of-type");
    await expectPage(1);
    await setInput(page, "input[name=page-number]", "3");
    await expectPage(2);

    // Download CSV: every row of the report (not the page) asked as text/csv, and the button ready again after.
    const csvAnswer = page.waitForResponse(
      (r) => r.url().includes("/user_report/champion") && r.request().headers().accept === "text/csv",
    );
    await page.click("button.download-csv");
    const csv = await csvAnswer;
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    expect((await csv.text()).split("\r\n").length - 2).toBe(first.total_count);
    await page.waitForFunction(() => document.querySelector("button.download-csv")?.textContent === "Download CSV");

    // A user row links to that user's details: the v2 user and its sign-up parameters.
    const firstUser = (await rowsShown())[0]?.user_id as string;
    await page.click("table.report tbody tr:first-child th a");
    await page.waitForSelector("#signup-title");
    await page.waitForFunction(
      (id) => [...document.querySelectorAll(".fields dd")].some((dd) => dd.textContent === id),
      { timeout: 15_000 },
      firstUser,
    );
    await screenshot(page, "user-details");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it("pages through the users list with its cursors and shows the usage statistics and the engagement panel", async () => {
    const page = await openPage("users");
    await signIn(page);
    await page.goto(`${base}/#/users?limit=10`);
    const ids = () => page.$$eval("table tbody tr", (rows) => rows.map((r) => r.getAttribute("data-subject-id")));
    const firstPage = await api<{ data: { _id: string }[]; pagination: { next: string } }>("/api/v2/users?limit=10");
    const secondPage = await api<{ data: { _id: string }[] }>(`/api/v2/users?${firstPage.pagination.next}`);
    await page.waitForFunction(
      (id) => document.querySelector("table tbody tr")?.getAttribute("data-subject-id") === id,
      {},
      firstPage.data[0]?._id,
    );
    expect(await ids()).toEqual(firstPage.data.map((u) => u._id));
    const stats = await api<{ data: { activeUsers: number } }>("/api/v2/usage-statistics/active-users");
    expect(await page.$eval(".stats dd", (dd) => dd.textContent)).toBe(String(stats.data.activeUsers));
    await page.click(".pager button:last-of-type");
    await page.waitForFunction(
      (id) => document.querySelector("table tbody tr")?.getAttribute("data-subject-id") === id,
      {},
      secondPage.data[0]?._id,
    );
    expect(await ids()).toEqual(secondPage.data.map((u) => u._id));
    await screenshot(page, "users");
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.goto(`${base}/#/engagement`);
    await page.waitForSelector("input[name=dashboard-user-id]");
    expect(await page.$eval("input[name=dashboard-user-id]", (el) => (el as HTMLInputElement).value)).toBe(
      credentials.user_id,
    );
    await page.click(".token-form button[type=submit]");
    await page.waitForSelector("#engagement-days-title");
    await page.waitForSelector("#engagement-days-title ~ .table-wrap table tbody tr");
    // Activity by hour: a weekday × hour table whose cells add up to the route's hours of the period.
    await page.waitForSelector("#engagement-hours-title ~ .table-wrap table.heatmap tbody tr");
    const heatmap = await page.$eval("table.heatmap", (table) => ({
      rows: [...table.querySelectorAll("tbody th[scope=row]")].map((th) => th.getAttribute("abbr")),
      columns: table.querySelectorAll("thead th[scope=col]").length,
      sum: [...table.querySelectorAll("tbody td")].reduce((n, td) => n + Number(td.textContent?.replace(/,/g, "")), 0),
      focusable: (table.closest(".table-wrap") as HTMLElement | null)?.tabIndex,
    }));
    const [startDay, endDay] = await page.$$eval("input[name=period-start], input[name=period-end]", (inputs) =>
      inputs.map((i) => (i as HTMLInputElement).value),
    );
    const byHour = (await (
      await fetch(
        `${base}/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week?start=${startDay}T00:00:00.000Z&end=${endDay}T23:59:59.999Z`,
        { headers: { "x-user-id": credentials.user_id, "x-auth-token": credentials.auth_token } },
      )
    ).json()) as { week: { users: number }[] };
    const routeSum = byHour.week.reduce((n, h) => n + h.users, 0);
    expect(routeSum).toBeGreaterThan(0);
    expect(heatmap).toEqual({
      rows: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
      columns: 25,
      sum: routeSum,
      focusable: 0,
    });
    await screenshot(page, "engagement");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it("shows a clear error for a wrong key and stays signed out", async () => {
    // A new tab has its own, empty sessionStorage: signed out. (No second browser context: the single-process
    // Chromium of @sparticuz/chromium does not support one.)
    const errors: string[] = [];
    const page = await openPage("signin-wrong-key", 1280, errors);
    await page.goto(`${base}/`);
    await page.waitForSelector("#api-key");
    await setInput(page, "#api-key", "eik_not-a-real-key", "input");
    await page.click("form button[type=submit]");
    await page.waitForSelector("[role=alert]");
    expect(await page.$eval("[role=alert]", (el) => el.textContent)).toBe("This API key is wrong or has been revoked.");
    expect(await page.$("header.top nav")).toBeNull();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await screenshot(page, "signin-wrong-key");
    expect(await seriousAxeViolations(page)).toEqual([]);
    // The browser's own log line for the 401 answer is the only error.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });

  it("names a wrong environment id for a good key (the SDK's ForbiddenError of usage statistics)", async () => {
    const errors: string[] = [];
    const page = await openPage("signin-wrong-environment", 1280, errors);
    await page.goto(`${base}/`);
    await page.waitForSelector("#environment-id");
    // The demo key stays filled in; only the environment id is another's.
    await setInput(page, "#environment-id", "env-not-this-keys", "input");
    await page.click("form button[type=submit]");
    await page.waitForSelector("[role=alert]");
    expect(await page.$eval("[role=alert]", (el) => el.textContent)).toBe(
      "This environment id does not belong to this API key.",
    );
    expect(await page.$("header.top nav")).toBeNull();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    await page.close();
  });

  it("has no horizontal scroll at 375 px", async () => {
    const page = await openPage("375px", 375);
    await signIn(page);
    for (const [name, hash, ready] of [
      ["overview", "#/", "#chart-active_orgs .chart[data-points]"],
      ["report", "#/reports/user_report/champion?interval=30&size=25", "table.report tbody tr"],
      ["users", "#/users", "table tbody tr"],
    ] as const) {
      await page.goto(`${base}/${hash}`);
      await page.waitForSelector(ready);
      const { scrollWidth, innerWidth } = await noHorizontalScroll(page);
      expect(scrollWidth, name).toBeLessThanOrEqual(innerWidth);
      await screenshot(page, `375-${name}`);
    }
    // The Engagement view with its activity-by-hour table: the table scrolls inside its wrapper, the page doesn't.
    await page.goto(`${base}/#/engagement`);
    await page.waitForSelector(".token-form button[type=submit]");
    await page.click(".token-form button[type=submit]");
    await page.waitForSelector("table.heatmap tbody tr");
    const { scrollWidth, innerWidth } = await noHorizontalScroll(page);
    expect(scrollWidth, "engagement").toBeLessThanOrEqual(innerWidth);
    await screenshot(page, "375-engagement");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it("logged no console errors and threw nothing on any page", () => {
    expect(problems).toEqual([]);
  });
});
