// Callbacks passed to page.evaluate run in the browser: test/web is type-checked with the DOM types (web/tsconfig.json).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { testStore } from "../helpers/store.js";
import { browserUnavailableReason, launchBrowser } from "./browser.js";

/**
 * Cross-origin use of the API from a real headless Chromium: the local server (ALLOWED_ORIGINS as the deployed
 * functions read it) lists one origin. A page there calls the API with fetch, credentials in headers, and reads
 * the answer and its exposed x-request-id; a page on another origin is blocked by the browser, preflighted or not.
 */

const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`Skipping the CORS browser tests: ${unavailable}`);

/** A site of its own origin (its own port) serving one empty page. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>another site</title>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let api: RunningServer;
let allowedSite: Awaited<ReturnType<typeof pageServer>>;
let otherSite: Awaited<ReturnType<typeof pageServer>>;
let browser: Browser;
let apiKey: string;
let environmentId: string;
const previous = process.env.ALLOWED_ORIGINS;

beforeAll(async () => {
  const store = await testStore();
  ({ api_key: apiKey, environment_id: environmentId } = await createEnvironment(store, "cors"));
  allowedSite = await pageServer();
  otherSite = await pageServer();
  process.env.ALLOWED_ORIGINS = allowedSite.origin;
  api = await startLocalServer(0, { tenantGate: null });
  if (!unavailable) browser = await launchBrowser({ webSecurity: true });
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  for (const site of [allowedSite, otherSite]) site?.server.close();
  if (previous === undefined) delete process.env.ALLOWED_ORIGINS;
  else process.env.ALLOWED_ORIGINS = previous;
});

type Outcome = { status: number; body: unknown; requestId: string | null } | { blocked: string };

/** Runs the page's fetch of `path` on the API; a CORS refusal is the browser's TypeError. */
async function fetchFrom(
  page: Page,
  path: string,
  init: { method?: string; headers: Record<string, string>; body?: string },
): Promise<Outcome> {
  return page.evaluate(
    async (url, options) => {
      try {
        const response = await fetch(url, options);
        return {
          status: response.status,
          body: await response.json(),
          requestId: response.headers.get("x-request-id"),
        };
      } catch (error) {
        return { blocked: (error as Error).name };
      }
    },
    `${api.url}${path}`,
    init,
  );
}

async function openSite(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

const CHART = "/api/backend/v1/chart_metric/signups?start_date=2026-11-01&end_date=2026-11-02";

describe.skipIf(unavailable)("cross-origin calls from a browser", () => {
  it("a page on a listed origin calls every API family (preflighted: credential headers, JSON body)", async () => {
    const page = await openSite(allowedSite.origin);
    const bearer = { authorization: `Bearer ${apiKey}` };
    const ingested = await fetchFrom(page, "/api/backend/v1/events", {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: JSON.stringify({
        events: [{ type: "user.created", user_id: "web-1", email: "web-1@example.com", event_id: "cors-1" }],
      }),
    });
    expect(ingested).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 }, requestId: expect.any(String) });
    const chart = await fetchFrom(page, CHART, { headers: bearer });
    expect(chart).toMatchObject({ status: 200, requestId: expect.any(String) });
    const count = await fetchFrom(page, "/api/v2/usage-statistics/active-users", {
      headers: { ...bearer, "environment-id": environmentId },
    });
    expect(count).toMatchObject({ status: 200, body: { data: { activeUsers: 1 } } });
    // An error answer is readable too (the SDK needs its status and body), x-request-id with it.
    const refused = await fetchFrom(page, CHART, { headers: { authorization: "Bearer wrong" } });
    expect(refused).toMatchObject({ status: 401, requestId: expect.any(String) });
    await page.close();
  });

  it("a page on another origin is blocked, simple request or preflighted", async () => {
    const page = await openSite(otherSite.origin);
    page.on("console", () => {}); // The browser logs each refusal as a console error: expected here.
    const simple = await fetchFrom(page, CHART, { headers: {} });
    expect(simple).toEqual({ blocked: "TypeError" });
    const preflighted = await fetchFrom(page, CHART, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(preflighted).toEqual({ blocked: "TypeError" });
    await page.close();
  });

  it("answers the preflight with the allowed headers and methods for the listed origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/api/backend/v1/events`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    const allowed = await preflight(allowedSite.origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(allowedSite.origin);
    expect(allowed.headers.get("access-control-allow-headers")).toBe(
      "authorization, content-type, environment-id, x-user-id, x-auth-token, x-request-id",
    );
    expect(allowed.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
    const other = await preflight(otherSite.origin);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const answer = await fetch(`${api.url}${CHART}`, {
      headers: { origin: allowedSite.origin, authorization: `Bearer ${apiKey}` },
    });
    expect(answer.headers.get("access-control-expose-headers")).toBe("x-request-id, retry-after");
    expect(answer.headers.get("vary")).toContain("Origin");
  });
});
