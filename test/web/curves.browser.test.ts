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
 * The Retention view (retention cohorts, lifecycle, stickiness) in a real headless Chromium against the demo
 * server, as dashboard.browser.test.ts does: what it shows is the API's answer, it is keyboard-usable, axe finds no
 * serious violation, and it fits 375 px. Screenshots go to test-results/.
 */

const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`Skipping the retention browser tests: ${unavailable}`);

const SCREENSHOTS = join(PROJECT_ROOT, "test-results");
let demo: DemoServer;
let credentials: DemoCredentials;
let base: string;
let browser: Browser;
const problems: string[] = [];

async function openPage(label: string, width = 1280): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${label}: console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`${label}: uncaught: ${(error as Error).message}`));
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForSelector("#api-key");
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top nav");
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${credentials.api_key}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });

async function seriousAxeViolations(page: Page): Promise<string[]> {
  const { AxePuppeteer } = await import("@axe-core/puppeteer");
  const results = await new AxePuppeteer(page).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Presses a control with the keyboard: focus it, then Enter. */
async function pressButton(page: Page, scope: string, text: string): Promise<void> {
  const handle = await page.evaluateHandle(
    (s, t) => [...document.querySelectorAll(`${s} button`)].find((b) => b.textContent?.trim() === t),
    scope,
    text,
  );
  const button = handle.asElement();
  if (!button) throw new Error(`no button ${text} in ${scope}`);
  await (button as import("puppeteer-core").ElementHandle<Element>).focus();
  await page.keyboard.press("Enter");
}

interface RetentionBody {
  cohorts: { cohort: string; size: number; retained: number[] }[];
}
interface LifecycleBody {
  buckets: { date: string; new: number; returning: number; resurrecting: number; dormant: number }[];
}
interface StickinessBody {
  active: number;
  days: { active_days: number; count: number }[];
}

describe.skipIf(unavailable)("retention view in a browser", () => {
  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const store = await testStore();
    const [server, launched] = await Promise.all([
      startDemoServer({
        store,
        port: 0,
        credentialsPath: join(mkdtempSync(join(tmpdir(), "curves-")), "demo-credentials.json"),
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

  it("shows the API's cohorts, lifecycle and stickiness; the controls work from the keyboard", async () => {
    const page = await openPage("retention");
    await signIn(page);
    await page.goto(`${base}/#/retention`);
    await page.waitForSelector("table.retention tbody tr");
    const weekly = await api<RetentionBody>("/api/backend/v1/retention?cadence=Weekly");
    const sizes = await page.$$eval("table.retention tbody tr td:first-of-type", (cells) =>
      cells.map((c) => c.textContent?.trim()),
    );
    expect(sizes).toEqual(weekly.cohorts.map((c) => String(c.size)));
    // A cohort's own bucket: 100 % of a non-empty cohort, with its count in the cell.
    const filled = weekly.cohorts.findIndex((c) => c.size > 0);
    expect(filled).toBeGreaterThanOrEqual(0);
    const own = await page.$eval(
      `table.retention tbody tr:nth-child(${filled + 1}) td:nth-child(3)`,
      (cell) => cell.textContent,
    );
    expect(own).toBe(`100%${weekly.cohorts[filled]?.size}`);
    await page.waitForSelector("#stickiness svg[data-bars]");
    const sticky = await api<StickinessBody>("/api/backend/v1/stickiness?report_interval=30");
    expect(await page.$eval("#stickiness svg", (svg) => svg.getAttribute("data-bars"))).toBe(
      String(sticky.days.length),
    );
    expect(await page.$eval("#stickiness p.meta", (p) => p.textContent)).toContain(`${sticky.active} users`);
    await screenshot(page, "retention-weekly");

    // Download CSV: the weekly cohorts asked as text/csv, one line per cohort after the header.
    const csvAnswer = page.waitForResponse(
      (r) => r.url().includes("/retention?") && r.request().headers().accept === "text/csv",
    );
    await page.click("#retention button.download-csv");
    const csv = await csvAnswer;
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    expect((await csv.text()).split("\r\n").length - 2).toBe(weekly.cohorts.length);
    await page.waitForFunction(
      () => document.querySelector("#retention button.download-csv")?.textContent === "Download CSV",
    );

    await pressButton(page, "main > .controls", "Daily");
    await page.waitForSelector("table.retention[data-cohorts='30']");
    await page.waitForSelector("#lifecycle svg[data-bars='30']");
    const lifecycle = await api<LifecycleBody>("/api/backend/v1/lifecycle?cadence=Daily");
    const label = await page.$eval("#lifecycle svg", (svg) => svg.getAttribute("aria-label") ?? "");
    const news = lifecycle.buckets.reduce((sum, b) => sum + b.new, 0);
    expect(label).toContain(`new ${news}`);
    expect(await page.$eval("main > .controls", (el) => el.querySelector("[aria-pressed=true]")?.textContent)).toBe(
      "Users",
    );

    await pressButton(page, "main > .controls", "Orgs");
    await page.waitForFunction(() => document.querySelector("#stickiness p.meta")?.textContent?.includes("orgs"));
    await pressButton(page, "#stickiness .controls", "7 days");
    await page.waitForSelector("#stickiness svg[data-bars='8'], #stickiness svg[data-bars='7']");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "retention-orgs-daily");
    await page.close();
  });

  it("has no horizontal scroll at 375 px and no serious axe violation there", async () => {
    const page = await openPage("retention 375px", 375);
    await signIn(page);
    await page.goto(`${base}/#/retention`);
    await page.waitForSelector("table.retention tbody tr");
    await page.waitForSelector("#lifecycle svg[data-bars]");
    await page.waitForSelector("#stickiness svg[data-bars]");
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "375-retention");
    await page.close();
  });

  it("logged no console errors and threw nothing", () => {
    expect(problems).toEqual([]);
  });
});
