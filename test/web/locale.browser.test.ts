// Callbacks passed to page.evaluate run in the browser: test/web is type-checked with the DOM types (web/tsconfig.json).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { ensureWebBuild, WEB_DIST } from "../../infra/webBuild.js";
import { type DemoServer, startDemoServer } from "../../scripts/lib/demoServer.js";
import { testStore } from "../helpers/store.js";
import { type BrowserLocale, browserUnavailableReason, launchBrowser } from "./browser.js";

/**
 * The dashboard renders whatever locale the browser reports (web/src/locale.ts): a Chromium started under a POSIX
 * locale reports `navigator.language` = `en-US@posix` (or `C`), which Intl refuses, and uPlot formats with it when its
 * module loads. Each locale gets its own Chromium, started with that process locale and `--lang`; a second check
 * overrides `navigator.language` before any script runs, in case a Chromium build maps the flag differently.
 */

const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`Skipping the locale browser tests: ${unavailable}`);

const SCREENSHOTS = join(PROJECT_ROOT, "test-results");

const LOCALES: { name: string; locale: BrowserLocale; language: string }[] = [
  { name: "posix", locale: { posix: "C.UTF-8" }, language: "en-US@posix" },
  { name: "en-US@posix", locale: { posix: "C.UTF-8", lang: "en-US@posix" }, language: "en-US@posix" },
  { name: "C", locale: { posix: "C", lang: "C" }, language: "C" },
  { name: "de-DE", locale: { posix: "de_DE.UTF-8", lang: "de-DE" }, language: "de-DE" },
  { name: "ar-EG", locale: { posix: "ar_EG.UTF-8", lang: "ar-EG" }, language: "ar-EG" },
];

let demo: DemoServer;

/** Signs in on a fresh page and waits for the overview's charts; returns what went wrong on the page meanwhile. */
async function renderOverview(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${(error as Error).message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${demo.server.url}/`);
  await page.waitForSelector("#api-key", { timeout: 15_000 });
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top nav", { timeout: 15_000 });
  await page.waitForSelector("#chart-signups .chart[data-points]", { timeout: 15_000 });
  await page.waitForSelector("#chart-active_orgs .chart[data-points]", { timeout: 15_000 });
  return problems;
}

async function drawnPoints(page: Page): Promise<number> {
  return Number(await page.$eval("#chart-signups .chart", (el) => el.getAttribute("data-points")));
}

describe.skipIf(unavailable)("dashboard under any browser locale", () => {
  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const store = await testStore();
    demo = await startDemoServer({
      store,
      port: 0,
      credentialsPath: join(mkdtempSync(join(tmpdir(), "locale-")), "demo-credentials.json"),
      webDir: WEB_DIST,
      refreshEveryMs: 3_600_000,
      demo: { users: 20, orgs: 3, days: 20, seed: 11 },
    });
    await demo.ready;
  });

  afterAll(async () => {
    await demo?.stop();
  });

  for (const { name, locale, language } of LOCALES) {
    it(`renders the overview in a Chromium started under ${name}`, async () => {
      const browser: Browser = await launchBrowser({ locale });
      try {
        const page = await browser.newPage();
        expect(await page.evaluate(() => navigator.language)).toBe(language);
        const problems = await renderOverview(page);
        expect(await drawnPoints(page)).toBeGreaterThan(0);
        // The sign-ups table's numbers are formatted (formatNumber), in a locale Intl accepted.
        expect(await page.$$eval("#chart-signups table tbody tr", (rows) => rows.length)).toBeGreaterThan(0);
        await page.screenshot({ path: join(SCREENSHOTS, `dashboard-locale-${name.replace(/[^\w-]/g, "_")}.png`) });
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  }

  it("renders when navigator.language is overridden to each refused tag before any script runs", async () => {
    const browser = await launchBrowser();
    try {
      for (const language of ["en-US@posix", "C", "POSIX", "de_DE.UTF-8@euro"]) {
        const page = await browser.newPage();
        await page.evaluateOnNewDocument((tag) => {
          Object.defineProperty(Navigator.prototype, "language", { configurable: true, get: () => tag });
          Object.defineProperty(Navigator.prototype, "languages", { configurable: true, get: () => [tag] });
        }, language);
        const problems = await renderOverview(page);
        expect(await drawnPoints(page), language).toBeGreaterThan(0);
        expect(problems, language).toEqual([]);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
