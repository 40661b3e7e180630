import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handler as dashboard } from "../../functions/dashboard.js";
import { handler as docs } from "../../functions/docs.js";
import { handler as ingest } from "../../functions/ingest.js";
import { handler as insights } from "../../functions/insights.js";
import { handler as users } from "../../functions/users.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { apiEvent, callHandler } from "../helpers/apiEvent.js";
import { isLogged, recordLogs } from "../helpers/rawHttp.js";
import { testStore } from "../helpers/store.js";

/**
 * Issue 17 at the Lambda handlers: every answer of every family handler, buffered or streamed, errors included, is
 * logged with the `x-request-id` it carries (CONTRACT §8), the client's own id when it sent one.
 */

let logged: string[];
let apiKey: string;

beforeAll(async () => {
  const store = await testStore();
  ({ api_key: apiKey } = await createEnvironment(store, "handler-logs"));
  logged = recordLogs();
});
afterAll(() => {
  vi.restoreAllMocks();
});

const HANDLERS = { ingest, insights, users, dashboard, docs } as const;

/** [handler, method, path, body, expected status] */
const CASES: [keyof typeof HANDLERS, string, string, string | undefined, number][] = [
  ["ingest", "POST", "/api/backend/v1/events", '{"events":[{"type":"user.active","user_id":"u"}]}', 200],
  ["ingest", "POST", "/api/backend/v1/events", "{nope", 400],
  ["ingest", "GET", "/api/backend/v1/events", undefined, 405],
  ["insights", "GET", "/api/backend/v1/user_report/champion", undefined, 400],
  ["insights", "GET", "/api/backend/v1/nothing", undefined, 404],
  ["users", "GET", "/api/v2/users", undefined, 403],
  ["users", "POST", "/api/v2/users", undefined, 405],
  ["dashboard", "GET", "/api/v1/engagement-dashboard/users/active-users", undefined, 401],
  ["dashboard", "GET", "/api/v1/engagement-dashboard/nothing", undefined, 404],
  ["docs", "GET", "/openapi.json", undefined, 200],
  ["docs", "POST", "/openapi.json", undefined, 405],
];

describe("every family handler logs every answer with its x-request-id", () => {
  it.each(CASES)("%s %s %s (%s) → %s", async (family, method, path, body, status) => {
    const event = apiEvent({ method, path, body, headers: { authorization: `Bearer ${apiKey}` } });
    const result = await callHandler(HANDLERS[family], event);
    expect(result.statusCode).toBe(status);
    const requestId = result.headers?.["x-request-id"] as string;
    expect(requestId).toBe(event.requestContext.requestId);
    expect(isLogged(logged, requestId)).toBe(true);
    expect(logged.find((line) => line.includes(`"request_id":"${requestId}"`))).toContain(`"status":${status}`);
  });

  it("uses and logs the client's own x-request-id", async () => {
    const event = apiEvent({ path: "/api/backend/v1/nothing", headers: { "x-request-id": "client-chosen-id-17" } });
    const result = await callHandler(insights, event);
    expect(result.headers?.["x-request-id"]).toBe("client-chosen-id-17");
    expect(isLogged(logged, "client-chosen-id-17")).toBe(true);
  });
});
