// Callbacks passed to page.evaluate run in the browser: test/web is type-checked with the DOM types (web/tsconfig.json).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { testStore } from "../helpers/store.js";
import { browserUnavailableReason, launchBrowser } from "./browser.js";

/**
 * The API reference (`GET /docs`, lib/openapi/docsRoutes.ts) in a real headless Chromium: Scalar renders the
 * document's operations at `/docs` and at `/docs/`, every file it asks for is found, and nothing throws.
 */

const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`Skipping the docs browser test: ${unavailable}`);

const SCREENSHOTS = join(PROJECT_ROOT, "test-results");

let server: RunningServer;
let browser: Browser;

describe.skipIf(unavailable)("API reference in a browser", () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await testStore();
    [server, browser] = await Promise.all([startLocalServer(0, { tenantGate: null }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [path, name] of [
    ["/docs", "docs"],
    ["/docs/", "docs-slash"],
  ] as const) {
    it(`${path} renders the document: its first operation and every tag`, async () => {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`uncaught: ${(error as Error).message}`));
      page.on("response", (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      page.on("requestfailed", (request) => problems.push(`failed: ${request.url()}`));
      await page.goto(`${server.url}${path}`);
      // Scalar shows each operation's summary once the document is loaded and parsed.
      await page.waitForFunction(() => document.body.textContent.includes("Ingest a batch of events"), {
        timeout: 30_000,
      });
      // Every tag of the document, in the reference's navigation.
      const text = await page.evaluate(() => document.body.textContent ?? "");
      for (const tag of [
        "Ingestion",
        "Engagement dashboard",
        "Users and usage statistics",
        "User and org insights",
        "Discovery",
      ]) {
        expect(text).toContain(tag);
      }
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
