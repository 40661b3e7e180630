import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Analytics } from "@segment/analytics-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { testStore } from "../helpers/store.js";

/**
 * Segment's own Node library (`@segment/analytics-node`), unchanged, pointed at the local server with its `host`
 * option (CONTRACT §11): what it sends shows up in the v2 users list, the charts and the reports. Behind a TCP proxy
 * that cuts connections after the server has answered, its retries of the same batch must count once.
 */

let store: Store;
let server: RunningServer;

beforeAll(async () => {
  store = await testStore();
  server = await startLocalServer(0);
});
afterAll(async () => {
  await server?.close();
});

/**
 * A TCP proxy to the local server that, for the first `drops` responses, destroys both sockets as soon as the
 * server starts answering: the request was forwarded and handled, the client sees a reset and retries.
 */
async function droppingProxy(target: URL, drops: number) {
  const stats = { dropped: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    stats.connections += 1;
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      if (stats.dropped < drops) {
        stats.dropped += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies, read by the assertions below.
async function getJson(path: string, apiKey: string, environmentId?: string): Promise<any> {
  const response = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Bearer ${apiKey}`, ...(environmentId ? { "environment-id": environmentId } : {}) },
  });
  expect(response.status, path).toBe(200);
  return response.json();
}

/** Sends what a product would through the library, then flushes. */
async function send(analytics: Analytics) {
  const errors: unknown[] = [];
  analytics.on("error", (error) => errors.push(error));
  analytics.identify({ userId: "seg-ada", traits: { email: "ada@example.com", firstName: "Ada", plan: "pro" } });
  analytics.identify({ userId: "seg-bob", traits: { email: "bob@example.com" } });
  analytics.group({ userId: "seg-ada", groupId: "seg-acme", traits: { name: "Acme", role: "Owner" } });
  analytics.track({ userId: "seg-bob", event: "Account Added User", context: { groupId: "seg-acme" } });
  for (const invitee of ["a", "b", "c"]) {
    analytics.track({
      userId: "seg-ada",
      event: "Invite Sent",
      properties: { invitee_email: `${invitee}@example.com` },
      context: { groupId: "seg-acme" },
    });
  }
  analytics.track({ anonymousId: "visitor-1", event: "Viewed Pricing" });
  analytics.page({ userId: "seg-bob", name: "Home" });
  await analytics.closeAndFlush({ timeout: 30_000 });
  return errors;
}

async function expectEverythingCountedOnce(environmentId: string, apiKey: string) {
  const users = await getJson("/api/v2/users?limit=100", apiKey, environmentId);
  expect(users.data.map((u: { _id: string }) => u._id).sort()).toEqual(["seg-ada", "seg-bob"]);
  expect(users.data.find((u: { _id: string }) => u._id === "seg-ada")).toMatchObject({
    email: "ada@example.com",
    first_name: "Ada",
    profile: { plan: "pro" },
  });
  const today = new Date().toISOString().slice(0, 10);
  const active = await getJson(
    `/api/backend/v1/chart_metric/active_users?start_date=${today}&end_date=${today}`,
    apiKey,
  );
  expect(active.metrics.at(-1).result).toBe(2);
  const orgs = await getJson(`/api/backend/v1/chart_metric/orgs_created?start_date=${today}&end_date=${today}`, apiKey);
  expect(orgs.metrics.at(-1).result).toBe(1);

  await refreshEnvironment(store, environmentId, Date.now() + 1000);
  const inviters = await getJson("/api/backend/v1/user_report/top_inviter?report_interval=30", apiKey);
  expect(inviters.user_reports).toHaveLength(1);
  expect(inviters.user_reports[0]).toMatchObject({
    user_id: "seg-ada",
    extra_properties: { num_invites: 3 },
    org_data: [{ org_id: "seg-acme", display_name: "Acme", user_role: "Owner" }],
  });
  const growth = await getJson("/api/backend/v1/org_report/growth?report_interval=30", apiKey);
  expect(growth.org_reports).toEqual([
    expect.objectContaining({
      org_id: "seg-acme",
      num_users: 2,
      extra_properties: { num_users_added: 2, num_users_removed: 0 },
    }),
  ]);
}

describe("@segment/analytics-node pointed at the service", () => {
  it("identify, group, track and page show up in the users list, charts and reports", async () => {
    const { environment_id, api_key } = await createEnvironment(store, "analytics-node");
    const analytics = new Analytics({ writeKey: api_key, host: server.url, flushAt: 100, flushInterval: 60_000 });
    expect(await send(analytics)).toEqual([]);
    await expectEverythingCountedOnce(environment_id, api_key);
  }, 120_000);

  it("counts a batch once when connections drop after the server answered and the library retries", async () => {
    const { environment_id, api_key } = await createEnvironment(store, "analytics-node-drops");
    const proxy = await droppingProxy(new URL(server.url), 2);
    try {
      const analytics = new Analytics({
        writeKey: api_key,
        host: proxy.url,
        flushAt: 100,
        flushInterval: 60_000,
        maxRetries: 5,
      });
      expect(await send(analytics)).toEqual([]);
      // The batch was handled three times: twice answered into a cut connection, then answered.
      expect(proxy.stats.dropped).toBe(2);
      expect(proxy.stats.connections).toBeGreaterThanOrEqual(3);
      await expectEverythingCountedOnce(environment_id, api_key);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
