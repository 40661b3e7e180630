import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey, createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { routes } from "../../lib/routes.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { isLogged, type RawResponse, rawRequest, recordLogs, sendRaw } from "../helpers/rawHttp.js";
import { testStore } from "../helpers/store.js";

/**
 * Generated requests through the local server's socket — methods in any case, paths of every family with ids of any
 * length, broken percent-encoding and raw non-ASCII, random query parameters and credentials, oversized headers,
 * random JSON bodies — and what every answer must be (CONTRACT §8): never a 5xx (503 `retry` aside), JSON in the
 * path's family's error format, an `x-request-id` that is in the log; and the stored data unchanged by them all.
 * (Ingestion bodies that pass validation are the ingestion tests' concern: the bodies here never hold events.)
 */

const RUNS = Number(process.env.EDGE_PROPERTY_RUNS ?? 150);

let store: Store;
let server: RunningServer;
let logged: string[];
let credentials: Record<string, string>;

beforeAll(async () => {
  store = await testStore();
  const { environment_id, api_key } = await createEnvironment(store, "edges-property");
  const { api_key: readOnly } = await createApiKey(store, environment_id, ["read"]);
  const { user_id, auth_token } = await createUserToken(store, environment_id, "dash");
  await ingestEvents(store, environment_id, [
    { type: "user.created", user_id: "u1", occurred_at: "2026-01-01T00:00:00Z", signup_query_parameters: { a: "b" } },
    { type: "user.created", user_id: "é".repeat(128), occurred_at: "2026-01-02T00:00:00Z" },
    { type: "org.created", org_id: "o1", name: "O", occurred_at: "2026-01-02T00:00:00Z" },
    { type: "org.member_added", org_id: "o1", user_id: "u1", occurred_at: "2026-01-03T00:00:00Z" },
    { type: "user.active", user_id: "u1", occurred_at: "2026-01-04T00:00:00Z" },
  ]);
  credentials = {
    none: "",
    users: `Authorization: Bearer ${api_key}\r\nenvironment-id: ${environment_id}\r\n`,
    apiKey: `Authorization: Bearer ${api_key}\r\n`,
    readOnly: `Authorization: Bearer ${readOnly}\r\nenvironment-id: ${environment_id}\r\n`,
    dashboard: `x-user-id: ${user_id}\r\nx-auth-token: ${auth_token}\r\n`,
    garbage: "Authorization: Bearer eik_nope_nope\r\nx-user-id: \u00e9\r\nx-auth-token: x\r\nenvironment-id: %zz\r\n",
  };
  logged = recordLogs();
  server = await startLocalServer(0);
});
afterAll(async () => {
  await server?.close();
  vi.restoreAllMocks();
});

/** Everything stored in the three tables, in a comparable order (test-only: no request path scans). */
async function storedData(): Promise<string[]> {
  const items: string[] = [];
  for (const table of Object.values(store.tables)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) items.push(`${table} ${JSON.stringify(item, Object.keys(item).sort())}`);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items.sort();
}

// ---- generators ----

/** A path segment as a client might send it: encoded, raw (non-ASCII included), broken `%`, or very long. */
const segmentArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("u1", "%C3%A9".repeat(128), "signups", "active_users", "active-users") },
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => s.replace(/[\s/?#%\p{Cc}]/gu, "")),
  fc.constantFrom("%", "%zz", "%E2%82", "%ED%A0%80", "%00", "%2F", "%C3%A9", "u1", "o1", "%u00e9", "%%", "..", "."),
  fc.integer({ min: 250, max: 3000 }).map((n) => "a".repeat(n)),
  fc.constantFrom("signups", "active_users", "orgs_created", "active_orgs", "churn", "growth"),
);

/** Paths of the route table with their parameters replaced, paths under each family prefix, and stray ones. */
const pathArb = fc.oneof(
  fc
    // The API routes: discovery's /docs pages are HTML and JavaScript by design (CONTRACT §9).
    .tuple(fc.constantFrom(...routes.filter((r) => r.family !== "docs").map((r) => r.resource)), segmentArb)
    .map(([resource, segment]) => resource.replace(/\{[A-Za-z]+\}/g, segment)),
  fc
    .tuple(
      fc.constantFrom("/api/v2", "/api/backend/v1", "/api/v1/engagement-dashboard", "", "/api", "/api/v3"),
      fc.array(segmentArb, { minLength: 0, maxLength: 3 }),
    )
    .map(([prefix, segments]) => `${prefix}/${segments.join("/")}`),
);

const PARAMETERS = [
  "limit",
  "after",
  "before",
  "days",
  "report_interval",
  "page_size",
  "page_number",
  "cadence",
  "start_date",
  "end_date",
  "start",
  "end",
];
const queryValueArb = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom("0", "1", "-1", "1000", "1001", "30", "Weekly", "monthly", "2026-01-01", "9999-12-31", "u1"),
  fc.constantFrom("%zz", "%", "%ED%A0%80", "1e3", " 5", "0x10", "2026-01-01T00:00:00.000Z", "NaN"),
  fc.integer({ min: 250, max: 3000 }).map((n) => "a".repeat(n)),
);
const queryArb = fc
  .array(fc.tuple(fc.constantFrom(...PARAMETERS), queryValueArb), { maxLength: 4 })
  .map((pairs) =>
    pairs.map(([name, value]) => `${name}=${/^%|%$|%%/.test(value) ? value : encodeURIComponent(value)}`).join("&"),
  );

const methodArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant("GET") },
  { weight: 2, arbitrary: fc.constant("POST") },
  { weight: 2, arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS") },
  { weight: 2, arbitrary: fc.constantFrom("Get", "get", "post", "FOO", "G\u00c9T") },
);

const requestArb = fc.record({
  method: methodArb,
  path: pathArb,
  query: queryArb,
  // "right": the credentials of the path's family, so that many requests get past auth to the parameters.
  credentials: fc.oneof(
    { weight: 3, arbitrary: fc.constant("right") },
    { weight: 2, arbitrary: fc.constantFrom("none", "users", "apiKey", "readOnly", "dashboard", "garbage") },
  ),
  oversized: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  body: fc.option(
    fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.constantFrom("{", '{"events": 1}', '{"events": []}', "null", '{"events": [1]}', "\u00ff\u00fe"),
    ),
    { nil: undefined },
  ),
});

// ---- what every answer must be ----

type FamilyShape = "users" | "dashboard" | "insights" | "segment";
const RIGHT_CREDENTIALS: Record<FamilyShape, string> = {
  users: "users",
  dashboard: "dashboard",
  insights: "apiKey",
  segment: "apiKey",
};

/** The family whose format answers `path`: the one whose prefix it is under (the events route is insights-shaped). */
function familyOf(path: string): FamilyShape {
  if (path.startsWith("/api/v2/")) return "users";
  if (path.startsWith("/api/v1/engagement-dashboard/")) return "dashboard";
  // Segment's tracking API (CONTRACT §11) answers in Segment's format; the edge's 404 / 405 / 429 are ingestion's.
  if (path.startsWith("/v1/")) return "segment";
  return "insights";
}

function expectFamilyFormat(family: FamilyShape, response: RawResponse, what: string) {
  const body = response.body as Record<string, unknown>;
  expect(body, `${what}: JSON body`).not.toHaveProperty("notJson");
  if (response.status < 400) return;
  if (family === "users") {
    expect(body.status, what).toBe("error");
    expect(typeof body.message, what).toBe("string");
  } else if (family === "dashboard") {
    // The dashboard's 401 is the one error with another shape (CONTRACT §4).
    if (response.status === 401)
      expect(body, what).toEqual({ status: "error", message: "You must be logged in to do this." });
    else {
      expect(body.success, what).toBe(false);
      expect(typeof body.error, what).toBe("string");
    }
  } else if (family === "segment" && body.success === false) {
    expect(typeof body.message, what).toBe("string");
  } else {
    expect(typeof body.error, what).toBe("string");
  }
  expect(JSON.stringify(body), `${what}: nothing internal`).not.toMatch(/at .+\.(ts|js):\d+|Exception|stack/i);
}

describe("generated requests through the local server", () => {
  it("are answered in their family's JSON format with a logged x-request-id, never a 5xx, changing nothing", async () => {
    const statuses = new Set<number>();
    const before = await storedData();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const target = r.query ? `${r.path}?${r.query}` : r.path;
        const extra = r.oversized ? `X-Padding: ${"p".repeat(17_000)}\r\n` : "";
        const body = r.body ?? "";
        const length = body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : "";
        const family = familyOf(r.path);
        const auth = r.credentials === "right" ? RIGHT_CREDENTIALS[family] : r.credentials;
        const raw = Buffer.from(
          rawRequest(`${r.method} ${target} HTTP/1.1`, `${credentials[auth]}${length}${extra}`, body),
          "utf8",
        );
        const response = await sendRaw(server.port, raw);
        const what = `${r.method} ${target.slice(0, 100)} [${r.credentials}] → ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`;
        expect(response.status, what).toBeGreaterThanOrEqual(200);
        expect(response.status, what).toBeLessThan(500);
        expect(response.headers["content-type"], what).toBe("application/json; charset=utf-8");
        expect(isLogged(logged, response.headers["x-request-id"]), `${what}: x-request-id logged`).toBe(true);
        expectFamilyFormat(family, response, what);
        statuses.add(response.status);
      }),
      {
        numRuns: RUNS,
        // One request that certainly gets past every edge, so that "answers succeed as well as fail" holds for any
        // seed (the generated ones reach a 200 in most runs, not all).
        examples: [
          [
            {
              method: "GET",
              path: "/api/v2/users",
              query: "limit=5",
              credentials: "right",
              oversized: false,
              body: undefined,
            },
          ],
        ],
      },
    );
    expect(await storedData()).toEqual(before);
    // The generators reach past the edge: answers succeed as well as fail.
    expect(statuses.has(200), `statuses seen: ${[...statuses]}`).toBe(true);
  });
});
