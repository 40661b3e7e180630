import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment, createUserToken, revokeApiKey } from "../../lib/auth/credentials.js";
import { getEnvironmentLimits } from "../../lib/limits/limits.js";
import { TenantGate } from "../../lib/limits/tenantGate.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { testStore } from "../helpers/store.js";

/**
 * Per-tenant limits through the local server, which applies them as the deployed API's authorizer and usage plans
 * do: one tenant's burst above its limits gets 429s in each family's format while another tenant's burst, at the
 * same time, all succeeds. The gate's clock is frozen so no token refills during a burst: the counts are exact.
 */

let store: Store;
let server: RunningServer;
const clock = { now: Date.UTC(2026, 10, 20, 12) };

function admin(...argv: string[]) {
  return runAdminCaptured(argv, { store: () => store });
}

beforeAll(async () => {
  store = await testStore();
  server = await startLocalServer(0, {
    tenantGate: new TenantGate(() => store, { defaults: { rate: 100, burst: 50 }, now: () => clock.now }),
  });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string>) => fetch(`${server.url}${path}`, { headers });

describe("per-tenant rate limits (local server)", () => {
  it("a burst over one tenant's limits gets 429s in each family's format; another tenant's burst all succeeds", async () => {
    const noisy = await createEnvironment(store, "noisy");
    const quiet = await createEnvironment(store, "quiet");
    const set = await admin(
      "environment",
      "set-limits",
      "--environment",
      noisy.environment_id,
      "--rate",
      "1",
      "--burst",
      "5",
    );
    expect(set.stderr).toBe("");
    expect(JSON.parse(set.stdout)).toEqual({ environment_id: noisy.environment_id, rate: 1, burst: 5, tier: "r1-b5" });
    expect(await getEnvironmentLimits(store, noisy.environment_id)).toEqual({ rate: 1, burst: 5 });

    const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
    const chart = "/api/backend/v1/chart_metric/signups?start_date=2026-11-01&end_date=2026-11-02";
    // 8 insights requests of the noisy tenant interleaved with 20 of the quiet one, all in flight at once.
    const [noisyAnswers, quietAnswers] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => get(chart, bearer(noisy.api_key)))),
      Promise.all(Array.from({ length: 20 }, () => get(chart, bearer(quiet.api_key)))),
    ]);
    expect(quietAnswers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(noisyAnswers.filter((r) => r.status === 200)).toHaveLength(5);
    const limited = noisyAnswers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    for (const response of limited) {
      expect(response.headers.get("retry-after")).toBe("1");
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(await response.json()).toEqual({ error: "too_many_requests" });
    }

    // The bucket is the tenant's, whatever the family: the users and dashboard families answer in their formats.
    const users = await get("/api/v2/users", { ...bearer(noisy.api_key), "environment-id": noisy.environment_id });
    expect(users.status).toBe(429);
    expect(await users.json()).toEqual({
      status: "error",
      message: "Too many requests for this environment, retry later",
    });
    const token = await createUserToken(store, noisy.environment_id, "dash");
    const dashboard = await get(
      "/api/v1/engagement-dashboard/users/new-users?start=2026-11-01T00:00:00Z&end=2026-11-02T00:00:00Z",
      {
        "x-user-id": token.user_id,
        "x-auth-token": token.auth_token,
      },
    );
    expect(dashboard.status).toBe(429);
    expect(await dashboard.json()).toEqual({
      success: false,
      error: "Too many requests, retry later [too-many-requests]",
    });

    // Tokens refill at the tenant's rate: two seconds later, two more requests pass and the third does not.
    clock.now += 2000;
    const after = await Promise.all(Array.from({ length: 3 }, () => get(chart, bearer(noisy.api_key))));
    expect(after.map((r) => r.status).sort()).toEqual([200, 200, 429]);
  });

  it("requests without a valid credential are not counted against anyone and get the family's 401", async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => get("/api/backend/v1/chart_metric/signups", { Authorization: "Bearer nope" })),
    );
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([401]));
  });

  it("a revoked key is refused at once although the limiter still knows its tenant", async () => {
    const env = await createEnvironment(store, "revoked");
    const headers = { Authorization: `Bearer ${env.api_key}` };
    expect((await get("/api/backend/v1/chart_metric/signups", headers)).status).toBe(200);
    expect(await revokeApiKey(store, env.environment_id, env.api_key)).toBe(true);
    const refused = await get("/api/backend/v1/chart_metric/signups", headers);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: "unauthorized" });
  });
});

describe("environment set-limits", () => {
  it("refuses limits that are not whole positive numbers, and unknown environments", async () => {
    const env = await createEnvironment(store, "x");
    const bad = await admin(
      "environment",
      "set-limits",
      "--environment",
      env.environment_id,
      "--rate",
      "0",
      "--burst",
      "5",
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("error: --rate must be a whole number of requests per second from 1 to 10000\n");
    const text = await admin(
      "environment",
      "set-limits",
      "--environment",
      env.environment_id,
      "--rate",
      "2",
      "--burst",
      "x",
    );
    expect(text.stderr).toBe('error: --burst must be a whole number, got "x"\n');
    const unknown = await admin(
      "environment",
      "set-limits",
      "--environment",
      "env_nope",
      "--rate",
      "2",
      "--burst",
      "2",
    );
    expect(unknown.stderr).toBe("error: unknown environment: env_nope\n");
    expect(await getEnvironmentLimits(store, env.environment_id)).toBeUndefined();
  });

  it("has --help", async () => {
    const help = await admin("environment", "set-limits", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--rate <n>");
    expect(help.stdout).toContain("--burst <n>");
  });
});
