import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { MAX_BODY_BYTES } from "../../lib/ingest/schema.js";
import { TenantGate } from "../../lib/limits/tenantGate.js";
import { buildOpenApiDocument } from "../../lib/openapi/document.js";
import { type Family, routes } from "../../lib/routes.js";
import { SEGMENT_MAX_BATCH_BYTES } from "../../lib/segment/segmentRoute.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { assertConformsToOpenApi } from "../helpers/openapiConformance.js";
import { sendRaw } from "../helpers/rawHttp.js";
import { testStore } from "../helpers/store.js";

/**
 * Every route's error answers through the local server, checked against the OpenAPI document as the API tests check
 * their 200s (test/helpers/openapiConformance.ts): the status must be documented for the path's operation, the body
 * valid against its schema, its required headers (a 429's `Retry-After`) present and valid. The last test checks
 * that every 4xx the document declares for a route was provoked here, so a status added to the document without a
 * case (or a case the document lacks) fails.
 */

let store: Store;
/** Without tenant limits: the handlers' own answers. */
let open: RunningServer;
/** Every tenant limited to 1 request (burst 1, clock frozen): its second request on any route is a 429. */
let strict: RunningServer;

interface Request {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface Case {
  status: number;
  request: Request;
}

const provoked = new Map<string, Set<number>>();
const key = (method: string, resource: string) => `${method} ${resource}`;

async function send(server: RunningServer, request: Request) {
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method ?? "GET",
    headers: request.headers,
    body: request.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

function check(
  route: { method: string; resource: string },
  sent: Request,
  answer: { status: number; headers: Record<string, string>; body: unknown },
  expected: number,
) {
  expect(answer.status, `${sent.method ?? "GET"} ${sent.path}: ${JSON.stringify(answer.body)}`).toBe(expected);
  assertConformsToOpenApi({
    method: sent.method ?? "GET",
    operationMethod: route.method,
    resource: route.resource,
    status: answer.status,
    contentType: answer.headers["content-type"],
    headers: answer.headers,
    body: answer.body,
  });
  expect(answer.headers["x-request-id"]).toBeTruthy();
  const statuses = provoked.get(key(route.method, route.resource)) ?? new Set();
  statuses.add(expected);
  provoked.set(key(route.method, route.resource), statuses);
}

/** A concrete path of a route (its parameters filled in) and the query its 200 needs. */
function pathOf(resource: string, userId = "u-1"): string {
  const path = resource.replace("{userId}", encodeURIComponent(userId)).replace("{chartMetric}", "signups");
  if (path.includes("/engagement-dashboard/")) return `${path}?start=2026-11-01T00:00:00Z&end=2026-11-02T00:00:00Z`;
  if (/_report\//.test(path)) return `${path}?report_interval=${path.endsWith("reengagement") ? "Weekly" : "30"}`;
  return path;
}

const credentials = {} as {
  environmentId: string;
  full: string;
  readOnly: string;
  ingestOnly: string;
  token: { user_id: string; auth_token: string };
  tokenWithoutPermission: { user_id: string; auth_token: string };
};

/** Good credentials of the route's family (`key` for the API-key families). */
function auth(family: Family, apiKey = credentials.full): Record<string, string> {
  if (family === "dashboard") {
    return { "x-user-id": credentials.token.user_id, "x-auth-token": credentials.token.auth_token };
  }
  if (family === "users") return { authorization: `Bearer ${apiKey}`, "environment-id": credentials.environmentId };
  if (family === "docs") return {};
  return { authorization: `Bearer ${apiKey}` };
}

const EVENTS = JSON.stringify({ events: [{ type: "user.active", user_id: "u-1" }] });

/** The handlers' own error cases of each route (401, 403, 400, 404, 413), by resource. */
function handlerCases(route: { family: Family; method: string; resource: string }): Case[] {
  const { family, method, resource } = route;
  const path = pathOf(resource);
  if (family === "docs") return [];
  const base = { method, path, body: method === "POST" ? EVENTS : undefined };
  const cases: Case[] = [{ status: 401, request: { ...base, headers: {} } }];
  if (family === "dashboard") {
    const { user_id, auth_token } = credentials.tokenWithoutPermission;
    cases.push(
      { status: 403, request: { ...base, headers: { "x-user-id": user_id, "x-auth-token": auth_token } } },
      { status: 400, request: { ...base, path: path.split("?")[0] as string, headers: auth(family) } },
    );
    return cases;
  }
  if (family === "ingest" && resource.startsWith("/v1/")) {
    // Segment's tracking API (CONTRACT §11): Basic auth with the key as user name; a key without ingest is a 401.
    const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
    const headers = { authorization: basic(credentials.full), "content-type": "application/json" };
    cases.push(
      { status: 401, request: { ...base, headers: { authorization: basic(credentials.readOnly) } } },
      { status: 400, request: { ...base, headers, body: "{" } },
      {
        status: 413,
        request: { ...base, headers, body: `{"batch": [], "pad": "${"x".repeat(SEGMENT_MAX_BATCH_BYTES)}"}` },
      },
    );
    return cases;
  }
  if (family === "ingest") {
    const headers = { ...auth(family), "content-type": "application/json" };
    cases.push(
      { status: 403, request: { ...base, headers: auth(family, credentials.readOnly) } },
      { status: 400, request: { ...base, headers, body: "{" } },
      { status: 413, request: { ...base, headers, body: `{"events": [], "pad": "${"x".repeat(MAX_BODY_BYTES)}"}` } },
    );
    return cases;
  }
  cases.push({ status: 403, request: { ...base, headers: auth(family, credentials.ingestOnly) } });
  if (family === "users") {
    // A key of the environment with another environment's id is a 403 too.
    cases.push({ status: 403, request: { ...base, headers: { ...auth(family), "environment-id": "env-other" } } });
  }
  const bad: Record<string, string> = {
    "/api/v2/users": "/api/v2/users?limit=0",
    "/api/v2/usage-statistics/active-users": "/api/v2/usage-statistics/active-users?days=0",
    "/api/backend/v1/chart_metric/{chartMetric}": "/api/backend/v1/chart_metric/signups?cadence=Yearly",
    "/api/backend/v1/chart_metrics/{chartMetric}": "/api/backend/v1/chart_metrics/signups?cadence=Yearly",
    "/api/backend/v1/retention": "/api/backend/v1/retention?cadence=Yearly",
    "/api/backend/v1/lifecycle": "/api/backend/v1/lifecycle?entity=teams",
    "/api/backend/v1/stickiness": "/api/backend/v1/stickiness?report_interval=9",
  };
  const badPath = bad[resource] ?? (/_report\//.test(resource) ? resource : undefined);
  if (badPath) cases.push({ status: 400, request: { ...base, path: badPath, headers: auth(family) } });
  if (resource.includes("{userId}")) {
    cases.push(
      { status: 404, request: { ...base, path: pathOf(resource, "nobody"), headers: auth(family) } },
      // Not an id (257 bytes): no user, answered without a lookup.
      { status: 404, request: { ...base, path: pathOf(resource, `${"é".repeat(128)}x`), headers: auth(family) } },
    );
  }
  return cases;
}

beforeAll(async () => {
  store = await testStore();
  const environment = await createEnvironment(store, "errors");
  Object.assign(credentials, {
    environmentId: environment.environment_id,
    full: environment.api_key,
    readOnly: (await createApiKey(store, environment.environment_id, ["read"])).api_key,
    ingestOnly: (await createApiKey(store, environment.environment_id, ["ingest"])).api_key,
    token: await createUserToken(store, environment.environment_id, "dash"),
    tokenWithoutPermission: await createUserToken(store, environment.environment_id, "dash-nothing", []),
  });
  [open, strict] = await Promise.all([
    startLocalServer(0, { tenantGate: null }),
    startLocalServer(0, {
      tenantGate: new TenantGate(() => store, { defaults: { rate: 1, burst: 1 }, now: () => Date.UTC(2026, 0, 1) }),
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.close(), strict?.close()]);
});

describe("every route's error answers conform to the OpenAPI document", () => {
  for (const route of routes) {
    it(`${route.method} ${route.resource}: 401, 403, 400, 404, 413 as the route has them`, async () => {
      for (const { status, request } of handlerCases(route)) {
        check(route, request, await send(open, request), status);
      }
    });

    it(`${route.method} ${route.resource}: 405 for another method, 431 for oversized headers`, async () => {
      const other = { method: route.method === "GET" ? "DELETE" : "GET", path: pathOf(route.resource) };
      check(route, other, await send(open, { ...other, headers: auth(route.family) }), 405);
      const path = pathOf(route.resource);
      const raw = await sendRaw(
        open.port,
        `${route.method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"a".repeat(17 * 1024)}\r\n\r\n`,
      );
      check(route, { method: route.method, path }, raw, 431);
    });
  }

  it("429 with Retry-After on every route a tenant is limited on", async () => {
    // The environment's one token goes to this request; every later one of the environment is over its limits.
    expect((await send(strict, { path: "/api/v2/users", headers: auth("users") })).status).toBe(200);
    for (const route of routes.filter((r) => r.family !== "docs")) {
      const request = {
        method: route.method,
        path: pathOf(route.resource),
        headers: auth(route.family),
        body: route.method === "POST" ? EVENTS : undefined,
      };
      const answer = await send(strict, request);
      check(route, request, answer, 429);
      expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    }
  });

  it("ingestion reads the body as JSON whatever its Content-Type, as documented", async () => {
    const route = { method: "POST", resource: "/api/backend/v1/events" };
    const paths = buildOpenApiDocument().paths as Record<
      string,
      Record<string, { requestBody?: { content: Record<string, unknown> } }>
    >;
    const documented = Object.keys(paths[route.resource]?.post?.requestBody?.content ?? {});
    expect(documented).toEqual(["application/json", "text/plain", "*/*"]);
    for (const contentType of ["application/json", "text/plain;charset=UTF-8", "application/octet-stream", undefined]) {
      const headers = { ...auth("ingest"), ...(contentType ? { "content-type": contentType } : {}) };
      const request = { method: "POST", path: route.resource, headers, body: EVENTS };
      const answer = await send(open, request);
      // fetch sends a string body as text/plain unless told otherwise.
      check(route, request, answer, 200);
    }
  });

  it("provoked every 4xx each operation documents, except API Gateway's own", () => {
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, { responses: object }>>;
    for (const route of routes) {
      const documented = Object.keys(paths[route.resource]?.[route.method.toLowerCase()]?.responses ?? {})
        .map(Number)
        .filter((status) => status >= 400 && status < 500)
        // Discovery is throttled only by API Gateway's stage limits, which the local server does not apply.
        .filter((status) => !(route.family === "docs" && status === 429));
      const statuses = provoked.get(key(route.method, route.resource)) ?? new Set();
      expect([...statuses].filter((s) => s >= 400).sort(), key(route.method, route.resource)).toEqual(
        documented.sort(),
      );
    }
  });
});
