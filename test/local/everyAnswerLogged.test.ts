import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { TenantGate } from "../../lib/limits/tenantGate.js";
import { storeFromEnv } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { isLogged, type RawResponse, rawRequest, recordLogs, sendRaw } from "../helpers/rawHttp.js";
import { testStore } from "../helpers/store.js";

/**
 * Issue 17: every answer of the local server, whoever gives it (a handler, the rate limiter, the server itself, its
 * HTTP parser's refusals), is in its route family's format and logged with the `x-request-id` it carries. Raw
 * sockets, so requests Node's own client would never send can be sent.
 */

let server: RunningServer;
let logged: string[];
let apiKey: string;
let environmentId: string;
/** A tenant of its own for the 429 test, whose bucket no other test empties. */
let limitedAuth: string;

beforeAll(async () => {
  const store = await testStore();
  ({ api_key: apiKey, environment_id: environmentId } = await createEnvironment(store, "every-answer"));
  const limited = await createEnvironment(store, "every-answer-429");
  limitedAuth = `Authorization: Bearer ${limited.api_key}\r\nenvironment-id: ${limited.environment_id}\r\n`;
  logged = recordLogs();
  // A bucket of one request and almost no refill: the second request of the tenant is a 429.
  const tenantGate = new TenantGate(storeFromEnv, { defaults: { rate: 0.001, burst: 1 } });
  server = await startLocalServer(0, { tenantGate });
});
afterAll(async () => {
  await server?.close();
  vi.restoreAllMocks();
});

const send = (request: string | Buffer) => sendRaw(server.port, request);

/** The family's format, a request id, and a log line naming that id (with the status sent). */
function expectLogged(response: RawResponse, what: string) {
  expect(response.headers["content-type"], what).toBe("application/json; charset=utf-8");
  const requestId = response.headers["x-request-id"];
  expect(requestId, what).toBeTruthy();
  expect(isLogged(logged, requestId), `${what}: x-request-id in the log`).toBe(true);
  const line = logged.find((l) => l.includes(`"request_id":"${requestId}"`)) as string;
  expect(line, what).toContain(`"status":${response.status}`);
}

const INSIGHTS_400 = {
  error: "invalid_request",
  message: "The request could not be read: malformed request line, URL or header",
};
const USERS_400 = { status: "error", message: "Bad request" };
const DASHBOARD_400 = { success: false, error: "Bad request [bad-request]" };

/** One route of each family prefix, with the family's 400 for a request that can't be read. */
const FAMILIES: [string, string, unknown][] = [
  ["insights", "GET /api/backend/v1/user_report/champion?x=%", INSIGHTS_400],
  ["ingestion", "POST /api/backend/v1/events", INSIGHTS_400],
  ["users", "GET /api/v2/users", USERS_400],
  ["dashboard", "GET /api/v1/engagement-dashboard/users/active-users", DASHBOARD_400],
  ["docs", "GET /openapi.json", INSIGHTS_400],
];

describe("a request Node's parser can't read is the family's 400, logged", () => {
  it.each(FAMILIES)("%s: a header line without a colon", async (_family, target, body) => {
    const response = await send(rawRequest(`${target} HTTP/1.1`, "Bad Header\r\n"));
    expect([response.status, response.body]).toEqual([400, body]);
    expectLogged(response, target);
  });

  it.each(FAMILIES)("%s: a control character in the URL", async (_family, target, body) => {
    const [method, url] = target.split(" ") as [string, string];
    const [path, query] = url.split("?");
    const response = await send(rawRequest(`${method} ${path}\x01${query ? `?${query}` : ""} HTTP/1.1`));
    expect([response.status, response.body]).toEqual([400, body]);
    expectLogged(response, target);
  });

  it.each(FAMILIES)("%s: garbage after the request line's version", async (_family, target, body) => {
    const response = await send(`${target} HTTP/1.1 garbage\r\nHost: x\r\n\r\n`);
    expect([response.status, response.body]).toEqual([400, body]);
    expectLogged(response, target);
  });

  it.each(FAMILIES)("%s: a header value with a NUL", async (_family, target, body) => {
    const response = await send(rawRequest(`${target} HTTP/1.1`, "X-Thing: a\x00b\r\n"));
    expect([response.status, response.body]).toEqual([400, body]);
    expectLogged(response, target);
  });
});

describe("the server's own answers are logged", () => {
  it("431 (headers over 16 KiB), 404, 405 and 413 on every family prefix", async () => {
    const big = `X-Big: ${"a".repeat(20_000)}\r\n`;
    for (const [family, target] of FAMILIES) {
      const headersTooLarge = await send(rawRequest(`${target} HTTP/1.1`, big));
      expect(headersTooLarge.status, family).toBe(431);
      expectLogged(headersTooLarge, `${family} 431`);
      const prefix = target.split(" ")[1]?.split("/").slice(0, 4).join("/");
      const auth = `Authorization: Bearer ${apiKey}\r\nenvironment-id: ${environmentId}\r\n`;
      const notFound = await send(rawRequest(`GET ${prefix}/nothing-here HTTP/1.1`, auth));
      expect(notFound.status, family).toBe(404);
      expectLogged(notFound, `${family} 404`);
      const wrongMethod = await send(rawRequest(`DELETE ${target.split(" ")[1]} HTTP/1.1`));
      expect(wrongMethod.status, family).toBe(405);
      expectLogged(wrongMethod, `${family} 405`);
      const body = "x".repeat(1024 * 1024 + 1);
      const tooLarge = await send(rawRequest(`${target} HTTP/1.1`, `Content-Length: ${body.length}\r\n`) + body);
      expect(tooLarge.status, family).toBe(413);
      expectLogged(tooLarge, `${family} 413`);
    }
  });

  it("the rate limiter's 429 carries an x-request-id that is in the log", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await send(rawRequest("GET /api/v2/users?limit=1 HTTP/1.1", limitedAuth));
      statuses.push(response.status);
      expectLogged(response, `request ${i}`);
      if (response.status === 429) {
        expect(response.body).toEqual({
          status: "error",
          message: "Too many requests for this environment, retry later",
        });
        expect(response.headers["retry-after"]).toMatch(/^\d+$/);
      }
    }
    expect(statuses).toEqual([200, 429, 429]);
  });
});
