import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileErrors, validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { buildOpenApiDocument } from "../../lib/openapi/document.js";
import { REPORTS } from "../../lib/reports/definitions.js";
import { routes } from "../../lib/routes.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { assertConformsToOpenApi } from "../helpers/openapiConformance.js";
import { testStore } from "../helpers/store.js";

/** The OpenAPI document (CONTRACT §9): valid, complete, committed as generated, served, and a check that bites. */

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        security?: object[];
        parameters?: { name: string; schema: { enum?: string[]; pattern?: string; "x-enum-any-case"?: string[] } }[];
      }
    >
  >;
};
const document = buildOpenApiDocument();
const doc = document as unknown as Doc;

let server: RunningServer;
beforeAll(async () => {
  await testStore();
  server = await startLocalServer(0);
});
afterAll(async () => {
  await server?.close();
});

describe("OpenAPI document", () => {
  it("validates as OpenAPI 3.1 (@readme/openapi-parser)", async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("has an operation for every route, and only those", () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(routes.map((r) => `${r.method} ${r.resource}`).sort());
  });

  it("declares the three security schemes and which each route needs", () => {
    expect(doc.paths["/api/v2/users"]?.get?.security).toEqual([{ apiKey: [], environmentId: [] }]);
    expect(doc.paths["/api/v1/engagement-dashboard/users/new-users"]?.get?.security).toEqual([
      { dashboardUserId: [], dashboardAuthToken: [] },
    ]);
    expect(doc.paths["/api/backend/v1/events"]?.post?.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths["/openapi.json"]?.get?.security).toEqual([]);
  });

  it("documents each report's own report_interval values in any letter case, as the routes parse them", () => {
    for (const definition of REPORTS) {
      const parameter = doc.paths[`/api/backend/v1/${definition.name}`]?.get?.parameters?.find(
        (p) => p.name === "report_interval",
      );
      expect(parameter?.schema["x-enum-any-case"], definition.name).toEqual([...definition.intervals]);
      expect(parameter?.schema.enum).toBeUndefined();
      // ECMA-262 with and without the u flag (ajv compiles patterns with it).
      for (const flags of ["", "u"]) {
        const pattern = new RegExp(parameter?.schema.pattern as string, flags);
        for (const value of definition.intervals) {
          for (const spelling of [value, value.toLowerCase(), value.toUpperCase(), ` ${value} `]) {
            expect(pattern.test(spelling), `${definition.name} ${spelling}`).toBe(true);
          }
        }
        expect(pattern.test("Yearly")).toBe(false);
        expect(pattern.test("")).toBe(false);
      }
    }
  });

  it("documents cadence in any letter case (the server takes `monthly`), and ids by their UTF-8 byte limit", () => {
    const chart = doc.paths["/api/backend/v1/chart_metric/{chartMetric}"]?.get?.parameters;
    const cadence = chart?.find((p) => p.name === "cadence")?.schema;
    expect(cadence?.enum).toBeUndefined();
    const pattern = new RegExp(cadence?.pattern as string, "u");
    for (const value of ["Daily", "daily", "WEEKLY", "monthly", "mOnThLy"])
      expect(pattern.test(value), value).toBe(true);
    for (const value of ["", "day", " Daily", "Dailyy"]) expect(pattern.test(value), value).toBe(false);

    const userId = doc.paths["/api/v2/users/{userId}"]?.get?.parameters?.find((p) => p.name === "userId")
      ?.schema as Record<string, unknown>;
    expect(userId).toMatchObject({ minLength: 1, maxLength: 256, "x-max-utf8-bytes": 256 });
    const idPattern = new RegExp(userId.pattern as string, "u");
    expect(idPattern.test("u-42")).toBe(true);
    expect(idPattern.test("é".repeat(128))).toBe(true);
    expect(idPattern.test("a\u0000b")).toBe(false);
    expect(idPattern.test("a\u0085b")).toBe(false);
    const events = (document as unknown as { components: { schemas: Record<string, { properties: object }> } })
      .components.schemas;
    expect(events.OrgMemberAddedEvent?.properties).toMatchObject({
      org_id: { minLength: 1, "x-max-utf8-bytes": 256 },
      user_id: { minLength: 1, "x-max-utf8-bytes": 256 },
      event_id: { minLength: 1, "x-max-utf8-bytes": 256 },
    });
  });

  it("is committed as generated (run `npm run openapi` after changing a schema)", () => {
    const committed = JSON.parse(readFileSync(join(PROJECT_ROOT, "openapi.json"), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe("conformance check", () => {
  const ok = { method: "GET", resource: "/api/v2/usage-statistics/active-users", contentType: "application/json" };
  it("passes a documented response", () => {
    assertConformsToOpenApi({ ...ok, status: 200, body: { status: "ok", data: { activeUsers: 3 } } });
  });
  it("fails a field, a status, a type or a content type the document lacks", () => {
    const extra = { status: "ok", data: { activeUsers: 3, extra: 1 } };
    expect(() => assertConformsToOpenApi({ ...ok, status: 200, body: extra })).toThrow(/does not match/);
    expect(() => assertConformsToOpenApi({ ...ok, status: 404, body: { status: "error", message: "x" } })).toThrow(
      /status not in the OpenAPI document/,
    );
    expect(() =>
      assertConformsToOpenApi({ ...ok, status: 200, body: { status: "ok", data: { activeUsers: "3" } } }),
    ).toThrow(/does not match/);
    expect(() => assertConformsToOpenApi({ ...ok, status: 200, contentType: "text/html", body: "" })).toThrow(
      /content type/,
    );
  });
  it("holds the exact error texts", () => {
    const dashboard = { method: "GET", resource: "/api/v1/engagement-dashboard/users/active-users" };
    const body = { status: "error", message: "You must be logged in to do this." };
    assertConformsToOpenApi({ ...dashboard, status: 401, contentType: "application/json", body });
    expect(() =>
      assertConformsToOpenApi({
        ...dashboard,
        status: 401,
        contentType: "application/json",
        body: { ...body, message: "Please log in." },
      }),
    ).toThrow(/does not match/);
  });
});

describe("served by the local server (no credentials)", () => {
  it("GET /openapi.json is the document", async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it("GET /docs (and /docs/) is Scalar's reference, its script served from node_modules", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    // Relative to where the page is (test/web/docs.browser.test.ts renders both addresses).
    expect(html).toContain('root + "docs/api-reference.js"');
    expect(html).toContain('url: root + "openapi.json"');
    expect(html).not.toMatch(/https?:\/\//);
    const slash = await fetch(`${server.url}/docs/`);
    expect(slash.status).toBe(200);
    expect(await slash.text()).toBe(html);
    const script = await fetch(`${server.url}/docs/api-reference.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("createApiReference");
  });
});
