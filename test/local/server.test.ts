import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment, DASHBOARD_PERMISSION, verifyApiKey, verifyUserToken } from "../../lib/auth/credentials.js";
import { ensureDemoEnvironment } from "../../lib/demo/demoEnvironment.js";
import { generateDemoEvents } from "../../lib/demo/generate.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { currentUserCount } from "../../lib/users/storage.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { testStore } from "../helpers/store.js";

let store: Store;
let server: RunningServer;

beforeAll(async () => {
  store = await testStore();
  server = await startLocalServer(0);
});
afterAll(async () => {
  await server?.close();
});

async function userItem(environmentId: string, userId: string) {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.user(environmentId, userId) }),
  );
  return got.Item;
}

describe("local HTTP server", () => {
  it("serves the ingestion route through the ingest handler", async () => {
    const { environment_id, api_key } = await createEnvironment(store, "local");
    const response = await fetch(`${server.url}/api/backend/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${api_key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        events: [
          { type: "user.created", user_id: "ann", occurred_at: "2026-01-05T10:00:00Z", event_id: "e1" },
          { type: "user.active", user_id: "ann", occurred_at: "2026-01-06T10:00:00Z", event_id: "e2" },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await userItem(environment_id, "ann"))?.created_at).toBe(Date.parse("2026-01-05T10:00:00Z"));
  });

  it("passes the handler's own errors through (no key → 401)", async () => {
    const response = await fetch(`${server.url}/api/backend/v1/events`, { method: "POST", body: "{}" });
    expect(response.status).toBe(401);
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers unknown paths 404 not_found in JSON with a request id", async () => {
    const response = await fetch(`${server.url}/nothing/here`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ error: "not_found" });
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const response = await fetch(`${server.url}/api/backend/v1/events`, {
      method: "POST",
      body: "x".repeat(1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "payload_too_large" });
  });
});

describe("demo environment", () => {
  it("is created once with a small history, its credentials written and reused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-"));
    const path = join(dir, "demo-credentials.json");
    const now = Date.UTC(2026, 2, 12, 16);
    const demo = { users: 12, orgs: 3, days: 5, seed: 3 };
    const first = await ensureDemoEnvironment(store, path, { now, demo });
    expect(first.created).toBe(true);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(first.credentials);
    const { environment_id, api_key, user_id, auth_token } = first.credentials;
    expect((await verifyApiKey(store, api_key))?.permissions.sort()).toEqual(["ingest", "read"]);
    expect(await verifyUserToken(store, user_id, auth_token)).toEqual({
      environmentId: environment_id,
      permissions: [DASHBOARD_PERMISSION],
    });
    // Every generated user was ingested; the count of existing ones leaves out the deleted.
    const events = generateDemoEvents({ now, ...demo });
    const created = new Set(events.filter((e) => e.type === "user.created").map((e) => e.user_id as string));
    const deleted = new Set(events.filter((e) => e.type === "user.deleted").map((e) => e.user_id as string));
    for (const user of created) expect((await userItem(environment_id, user))?.user_id).toBe(user);
    expect(await currentUserCount(store, environment_id)).toBe(created.size - deleted.size);

    const second = await ensureDemoEnvironment(store, path, { now, demo });
    expect(second).toEqual({ credentials: first.credentials, created: false });
  });

  it("starts over when the stored environment is gone (e.g. .data/dynamodb deleted)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-"));
    const path = join(dir, "demo-credentials.json");
    const demo = { users: 2, orgs: 1, days: 2 };
    const first = await ensureDemoEnvironment(store, path, { demo });
    const other = await testStore();
    const fresh = await ensureDemoEnvironment(other, path, { demo });
    expect(fresh.created).toBe(true);
    expect(fresh.credentials.environment_id).not.toBe(first.credentials.environment_id);
    expect(existsSync(path)).toBe(true);
  });
});
