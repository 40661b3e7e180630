import { describe, expect, it } from "vitest";
import { matchPath } from "../../lib/routes.js";
import { type IncomingRequest, toApiGatewayEvent } from "../../scripts/lib/apiGatewayEvent.js";

const base: Omit<IncomingRequest, "url"> = {
  method: "get",
  rawHeaders: [],
  body: null,
  sourceIp: "127.0.0.1",
  requestId: "11111111-2222-3333-4444-555555555555",
  receivedAt: 1_700_000_000_000,
};

function eventFor(url: string, overrides: Partial<typeof base> = {}) {
  const path = url.split("?")[0] as string;
  const match = matchPath(path);
  if (!match) throw new Error(`no route for ${path}`);
  return toApiGatewayEvent({ ...base, url, ...overrides }, match);
}

describe("request → API Gateway proxy event", () => {
  it("fills resource, path parameters and request context like the REST proxy integration", () => {
    const event = eventFor("/api/v2/users/u%201");
    expect(event.resource).toBe("/api/v2/users/{userId}");
    expect(event.path).toBe("/api/v2/users/u%201");
    expect(event.httpMethod).toBe("GET");
    expect(event.pathParameters).toEqual({ userId: "u 1" });
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.requestId).toBe(base.requestId);
    expect(event.requestContext.httpMethod).toBe("GET");
    expect(event.requestContext.resourcePath).toBe("/api/v2/users/{userId}");
    expect(event.requestContext.stage).toBe("local");
    expect(event.requestContext.identity.sourceIp).toBe("127.0.0.1");
    expect(event.requestContext.requestTimeEpoch).toBe(base.receivedAt);
  });

  it("has no path parameters on a route without any, and decoded single- and multi-value query parameters", () => {
    const event = eventFor("/api/v2/users?limit=5&after=a%2Bb&tag=x&tag=y+z&empty");
    expect(event.pathParameters).toBeNull();
    expect(event.queryStringParameters).toEqual({ limit: "5", after: "a+b", tag: "y z", empty: "" });
    expect(event.multiValueQueryStringParameters).toEqual({
      limit: ["5"],
      after: ["a+b"],
      tag: ["x", "y z"],
      empty: [""],
    });
  });

  it("keeps header names as sent, the last value in headers and all in multiValueHeaders", () => {
    const event = eventFor("/api/backend/v1/events", {
      method: "POST",
      rawHeaders: ["Authorization", "Bearer k", "X-Thing", "1", "X-Thing", "2", "User-Agent", "test/1"],
      body: Buffer.from('{"events":[]}'),
    });
    expect(event.httpMethod).toBe("POST");
    expect(event.headers).toEqual({ Authorization: "Bearer k", "X-Thing": "2", "User-Agent": "test/1" });
    expect(event.multiValueHeaders).toEqual({
      Authorization: ["Bearer k"],
      "X-Thing": ["1", "2"],
      "User-Agent": ["test/1"],
    });
    // Base64, as API Gateway delivers bodies once every media type is binary (infra/api.ts).
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? "", "base64").toString("utf8")).toBe('{"events":[]}');
    expect(event.requestContext.identity.userAgent).toBe("test/1");
  });

  it("passes a body's bytes on exactly, UTF-8 or not (the handler decides what they mean)", () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0x22, 0x7d]);
    const event = eventFor("/api/backend/v1/events", { method: "POST", body: bytes });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? "", "base64")).toEqual(bytes);
  });

  it("hands catch-all paths to the family with the proxy parameter", () => {
    const event = eventFor("/api/backend/v1/nope/deeper");
    expect(event.resource).toBe("/api/backend/v1/{proxy+}");
    expect(event.pathParameters).toEqual({ proxy: "nope/deeper" });
  });

  it("sends a path parameter that can't be percent-decoded to the family's catch-all (its 404), not a throw", () => {
    for (const [path, family, resource] of [
      ["/api/v2/users/%zz", "users", "/api/v2/{proxy+}"],
      ["/api/v2/users/%E2%82", "users", "/api/v2/{proxy+}"],
      ["/api/backend/v1/user/%ED%A0%80/signup_query_parameters", "insights", "/api/backend/v1/{proxy+}"],
      ["/api/backend/v1/chart_metric/%", "insights", "/api/backend/v1/{proxy+}"],
    ] as const) {
      expect(matchPath(path), path).toMatchObject({ family, resource });
    }
    expect(matchPath("/api/v2/users/%C3%A9")).toMatchObject({ family: "users", pathParameters: { userId: "é" } });
  });
});
