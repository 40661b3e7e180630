import { beforeAll, describe, expect, it } from "vitest";
import { handler as dashboard } from "../../functions/dashboard.js";
import { handler as insights } from "../../functions/insights.js";
import { handler as users } from "../../functions/users.js";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

/**
 * Every read input that ends up in a DynamoDB key, sent an id DynamoDB can't key or ingestion never accepts: the
 * family's 404 (400 for a cursor), never a 500 (CONTRACT §0 "Limits"). Ids at the limit still work.
 */

/** Over the limit: 2,100 bytes (DynamoDB refuses a key this long), 258 bytes, control characters, a lone surrogate. */
const UNSTORABLE = ["a".repeat(2100), "é".repeat(129), "a".repeat(257), "u\u0001", "u\nx", "u\u007f", "u\ud800"];
/** At the limit: 256 bytes as 256 ASCII characters and as 128 two-byte ones. */
const AT_LIMIT = ["a".repeat(256), "é".repeat(128)];

let store: Store;
let environmentId: string;
let apiKey: string;
let token: { user_id: string; auth_token: string };

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "ids"));
  token = await createUserToken(store, environmentId, "dash");
  const signups = ["first", ...AT_LIMIT, "last"].map((user_id, i) => ({
    type: "user.created",
    user_id,
    occurred_at: `2026-01-0${i + 1}T00:00:00Z`,
    signup_query_parameters: { utm: user_id.slice(0, 3) },
  }));
  await ingestEvents(store, environmentId, signups);
});

const usersAuth = () => ({ authorization: `Bearer ${apiKey}`, "environment-id": environmentId });
const insightsAuth = () => ({ authorization: `Bearer ${apiKey}` });
/** Ids go into paths raw: the test helper, like API Gateway, hands the handler the decoded path parameter. */
const userPath = (id: string) => `/api/v2/users/${id}`;
const signupPath = (id: string) => `/api/backend/v1/user/${id}/signup_query_parameters`;

describe("an id no user can have", () => {
  it("GET /api/v2/users/{id} → the users family's 404", async () => {
    for (const id of UNSTORABLE) {
      const res = await invoke(users, { path: userPath(id), headers: usersAuth() });
      expect([res.status, res.body], JSON.stringify(id.slice(0, 20))).toEqual([
        404,
        { status: "error", message: "User not found" },
      ]);
    }
  });

  it("after= / before= cursors → the users family's 400 naming the parameter", async () => {
    for (const direction of ["after", "before"]) {
      for (const id of UNSTORABLE) {
        const res = await invoke(users, { path: "/api/v2/users", query: { [direction]: id }, headers: usersAuth() });
        expect(res.status, `${direction}=${JSON.stringify(id.slice(0, 20))}`).toBe(400);
        const body = res.body as { status: string; message: string };
        expect(body.status).toBe("error");
        expect(body.message).toMatch(new RegExp(`^Invalid ${direction}: must be a user id \\(must `));
        // The message does not echo a kilobytes-long id back.
        expect(body.message.length).toBeLessThan(120);
      }
    }
  });

  it("user/{id}/signup_query_parameters → the insights family's 404", async () => {
    for (const id of UNSTORABLE) {
      const res = await invoke(insights, { path: signupPath(id), headers: insightsAuth() });
      expect([res.status, res.body], JSON.stringify(id.slice(0, 20))).toEqual([404, { error: "not_found" }]);
    }
  });

  it("chart and report paths and parameters → the insights family's 404 or 400, never a 500", async () => {
    for (const id of UNSTORABLE) {
      const requests: [string, Record<string, string>][] = [
        [`/api/backend/v1/chart_metric/${id}`, {}],
        [`/api/backend/v1/chart_metrics/${id}`, {}],
        ["/api/backend/v1/chart_metric/signups", { start_date: id }],
        ["/api/backend/v1/chart_metric/active_users", { cadence: id }],
        ["/api/backend/v1/user_report/churn", { report_interval: id }],
        ["/api/backend/v1/user_report/champion", { report_interval: "30", page_size: id }],
      ];
      for (const [path, query] of requests) {
        const res = await invoke(insights, { path, query, headers: insightsAuth() });
        expect(res.status, `${path.slice(0, 60)} ${Object.keys(query)}`).toBe(400);
        expect((res.body as { error: string }).error).toBe("invalid_request");
      }
      for (const path of [`/api/backend/v1/user_report/${id}`, `/api/backend/v1/org_report/${id}/x`]) {
        const res = await invoke(insights, { path, query: { report_interval: "30" }, headers: insightsAuth() });
        expect([res.status, res.body], path.slice(0, 60)).toEqual([404, { error: "not_found" }]);
      }
    }
  });

  it("a dashboard x-user-id that no token can name → the dashboard's 401", async () => {
    for (const id of UNSTORABLE) {
      const res = await invoke(dashboard, {
        path: "/api/v1/engagement-dashboard/users/active-users",
        query: { start: "2026-01-01T00:00:00.000Z", end: "2026-01-31T00:00:00.000Z" },
        headers: { "x-user-id": id, "x-auth-token": token.auth_token },
      });
      expect([res.status, res.body]).toEqual([401, { status: "error", message: "You must be logged in to do this." }]);
    }
  });
});

describe("an id at the limit (256 UTF-8 bytes)", () => {
  it("is found by GET /api/v2/users/{id} and by signup_query_parameters", async () => {
    for (const id of AT_LIMIT) {
      const user = await invoke(users, { path: userPath(id), headers: usersAuth() });
      expect(user.status).toBe(200);
      expect((user.body as { data: { _id: string }[] }).data[0]?._id).toBe(id);
      const signup = await invoke(insights, { path: signupPath(id), headers: insightsAuth() });
      expect([signup.status, signup.body]).toEqual([200, { user_signup_query_parameters: { utm: id.slice(0, 3) } }]);
    }
  });

  it("works as an after= / before= cursor", async () => {
    const [ascii, twoByte] = AT_LIMIT as [string, string];
    const after = await invoke(users, { path: "/api/v2/users", query: { after: ascii }, headers: usersAuth() });
    expect(after.status).toBe(200);
    expect((after.body as { data: { _id: string }[] }).data.map((u) => u._id)).toEqual([twoByte, "last"]);
    const before = await invoke(users, { path: "/api/v2/users", query: { before: twoByte }, headers: usersAuth() });
    expect((before.body as { data: { _id: string }[] }).data.map((u) => u._id)).toEqual(["first", ascii]);
  });

  it("shows in a report row", async () => {
    await refreshEnvironment(store, environmentId, Date.now());
    const res = await invoke(insights, {
      path: "/api/backend/v1/user_report/churn",
      query: { report_interval: "7", page_size: "10" },
      headers: insightsAuth(),
    });
    expect(res.status).toBe(200);
    const ids = (res.body as { user_reports: { user_id: string }[] }).user_reports.map((r) => r.user_id);
    expect(ids).toEqual(expect.arrayContaining(AT_LIMIT));
  });
});
