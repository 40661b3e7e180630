import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handler as usersHandler } from "../../functions/users.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { invoke } from "../helpers/apiEvent.js";
import { isLogged, type RawResponse, rawRequest, recordLogs, sendRaw } from "../helpers/rawHttp.js";
import { testStore } from "../helpers/store.js";

/**
 * The local server at the edges, through a real socket with raw request lines: what Node's HTTP parser refuses and
 * what can't be decoded is answered like API Gateway answers it (CONTRACT §8): JSON in the family's error format,
 * with an `x-request-id` that is in the log.
 */

let server: RunningServer;
let usersAuth: string;
let apiKeyAuth: string;
let logged: string[];

beforeAll(async () => {
  const store = await testStore();
  const { environment_id, api_key } = await createEnvironment(store, "edges");
  usersAuth = `Authorization: Bearer ${api_key}\r\nenvironment-id: ${environment_id}\r\n`;
  apiKeyAuth = `Authorization: Bearer ${api_key}\r\n`;
  logged = recordLogs();
  server = await startLocalServer(0);
});
afterAll(async () => {
  await server?.close();
  vi.restoreAllMocks();
});

const send = (request: string | Buffer) => sendRaw(server.port, request);
const request = (line: string, headers = "") => rawRequest(line, headers);

/** A response as API Gateway's edge gives it: JSON, an x-request-id, and that id in the log. */
function expectEdgeShape(response: RawResponse, what: string) {
  expect(response.headers["content-type"], what).toBe("application/json; charset=utf-8");
  const requestId = response.headers["x-request-id"];
  expect(requestId, what).toMatch(/^[0-9a-f-]{36}$/);
  expect(isLogged(logged, requestId), `${what}: x-request-id in the log`).toBe(true);
}

const USERS = {
  notFound: { status: "error", message: "Not found" },
  methodNotAllowed: { status: "error", message: "Method not allowed" },
};
const INSIGHTS = {
  notFound: { error: "not_found" },
  methodNotAllowed: { error: "method_not_allowed" },
  badRequest: {
    error: "invalid_request",
    message: "The request could not be read: malformed request line, URL or header",
  },
};
const DASHBOARD = {
  notFound: { success: false, error: "Not found [not-found]" },
  methodNotAllowed: { success: false, error: "Method not allowed [method-not-allowed]" },
};

describe("malformed percent-encoding in a path parameter", () => {
  it("is the 404 of the route's own family, logged", async () => {
    const cases: [string, string, unknown][] = [
      ["GET /api/v2/users/%zz HTTP/1.1", usersAuth, USERS.notFound],
      ["GET /api/v2/users/%E2%82 HTTP/1.1", usersAuth, USERS.notFound],
      ["GET /api/backend/v1/user/%zz/signup_query_parameters HTTP/1.1", apiKeyAuth, INSIGHTS.notFound],
      ["GET /api/backend/v1/chart_metric/%ED%A0%80 HTTP/1.1", apiKeyAuth, INSIGHTS.notFound],
      ["GET /api/v1/engagement-dashboard/users/%zz HTTP/1.1", "", DASHBOARD.notFound],
    ];
    for (const [line, headers, body] of cases) {
      const response = await send(request(line, headers));
      expect([response.status, response.body], line).toEqual([404, body]);
      expectEdgeShape(response, line);
    }
  });
});

describe("requests Node's HTTP parser refuses", () => {
  it("a wrong-case method on a route is 405 in the route family's format", async () => {
    const cases: [string, unknown][] = [
      ["Get /api/v2/users HTTP/1.1", USERS.methodNotAllowed],
      ["get /api/v2/users/u1 HTTP/1.1", USERS.methodNotAllowed],
      ["gET /api/backend/v1/user_report/churn?report_interval=7 HTTP/1.1", INSIGHTS.methodNotAllowed],
      ["Post /api/backend/v1/events HTTP/1.1", INSIGHTS.methodNotAllowed],
      ["Get /api/v1/engagement-dashboard/users/active-users HTTP/1.1", DASHBOARD.methodNotAllowed],
    ];
    for (const [line, body] of cases) {
      const response = await send(request(line));
      expect([response.status, response.body], line).toEqual([405, body]);
      expectEdgeShape(response, line);
    }
  });

  it("a wrong-case method reaching a family's Lambda (API Gateway's ANY) is its 405 too, not the route", async () => {
    for (const method of ["Get", "get", "gET"]) {
      const response = await invoke(usersHandler, { method, path: "/api/v2/users", headers: { authorization: "x" } });
      expect([response.status, response.body], method).toEqual([405, USERS.methodNotAllowed]);
    }
  });

  it("an unknown method is 405 on a route, the family's 404 elsewhere", async () => {
    const cases: [string, number, unknown][] = [
      ["FOO /api/v2/usage-statistics/active-users HTTP/1.1", 405, USERS.methodNotAllowed],
      ["FOO /api/backend/v1/chart_metric/signups HTTP/1.1", 405, INSIGHTS.methodNotAllowed],
      ["FOO /api/v2/nothing HTTP/1.1", 404, USERS.notFound],
      ["FOO /api/v1/engagement-dashboard/nothing HTTP/1.1", 404, DASHBOARD.notFound],
      ["FOO /nowhere HTTP/1.1", 404, { error: "not_found" }],
    ];
    for (const [line, status, body] of cases) {
      const response = await send(request(line));
      expect([response.status, response.body], line).toEqual([status, body]);
      expectEdgeShape(response, line);
    }
  });

  it("oversized headers are 431 in the family's format", async () => {
    const big = `X-Big: ${"a".repeat(20_000)}\r\n`;
    const cases: [string, unknown][] = [
      ["GET /api/v2/users HTTP/1.1", { status: "error", message: "Request header fields too large" }],
      ["POST /api/backend/v1/events HTTP/1.1", { error: "request_header_fields_too_large" }],
      [
        "GET /api/v1/engagement-dashboard/users/new-users HTTP/1.1",
        { success: false, error: "Request header fields too large [header-fields-too-large]" },
      ],
    ];
    for (const [line, body] of cases) {
      const response = await send(request(line, big));
      expect([response.status, response.body], line).toEqual([431, body]);
      expectEdgeShape(response, line);
    }
  });

  it("raw non-ASCII, spaces or garbage in the request line are 400 in the family's format (else the plain one)", async () => {
    const cases: [string | Buffer, unknown][] = [
      [Buffer.from(request("GET /api/v2/users/é HTTP/1.1"), "utf8"), { status: "error", message: "Bad request" }],
      [Buffer.from(request("GET /api/backend/v1/chart_metric/日本 HTTP/1.1"), "utf8"), INSIGHTS.badRequest],
      [
        Buffer.from(request("GET /api/v1/engagement-dashboard/users/active-users?start=ü HTTP/1.1"), "utf8"),
        { success: false, error: "Bad request [bad-request]" },
      ],
      [request("GET /api/v2/users/a b HTTP/1.1"), { status: "error", message: "Bad request" }],
      [request("GET /api/v2/users HTTP/1.1", "Bad Header\r\n"), { status: "error", message: "Bad request" }],
      ["GARBAGE\r\n\r\n", INSIGHTS.badRequest],
    ];
    for (const [raw, body] of cases) {
      const what = raw.toString().split("\r\n")[0] as string;
      const response = await send(raw);
      expect([response.status, response.body], what).toEqual([400, body]);
      expectEdgeShape(response, what);
    }
  });
});

describe("responses the server gives itself or passes on", () => {
  it("log their x-request-id too: an unknown path, a handler's answer, a body over 1 MiB", async () => {
    const unknown = await send(request("GET /nothing/here HTTP/1.1"));
    expect([unknown.status, unknown.body]).toEqual([404, { error: "not_found" }]);
    expectEdgeShape(unknown, "unknown path");

    const handled = await send(request("GET /api/v2/users?limit=1 HTTP/1.1", usersAuth));
    expect(handled.status).toBe(200);
    expectEdgeShape(handled, "a handler's answer");

    const body = "x".repeat(1024 * 1024 + 1);
    const tooLarge = await send(request("POST /api/v2/users HTTP/1.1", `Content-Length: ${body.length}\r\n`) + body);
    expect([tooLarge.status, tooLarge.body]).toEqual([413, { status: "error", message: "Payload too large" }]);
    expectEdgeShape(tooLarge, "body over 1 MiB");
  });
});
