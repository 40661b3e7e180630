import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { testStore } from "../helpers/store.js";

/**
 * A big active-users answer through the local server (API Gateway's stand-in) on DynamoDB Local: gzipped (or
 * brotli) for a client accepting it, identical once inflated to what a client without gzip gets. Ingested as events
 * (2,400 user-days, ~40 KB), so the threshold is lowered (RESPONSE_GZIP_THRESHOLD_BYTES); the 1 MiB default is
 * covered in test/http/compression.test.ts, answers past 6 MB in test/dashboard/streamedActiveUsers.test.ts and
 * test/big/dashboard300k.test.ts (the dashboard streams: no 6 MB limit).
 */

const USERS = 240;
const DAYS = 10;
const THRESHOLD = 8 * 1024;

let server: RunningServer;
let auth: Record<string, string>;
const previousThreshold = process.env.RESPONSE_GZIP_THRESHOLD_BYTES;

beforeAll(async () => {
  const store = await testStore();
  process.env.RESPONSE_GZIP_THRESHOLD_BYTES = String(THRESHOLD);
  const { environment_id } = await createEnvironment(store, "big tenant");
  const token = await createUserToken(store, environment_id, "dash");
  auth = { "x-user-id": token.user_id, "x-auth-token": token.auth_token };
  for (let day = 1; day <= DAYS; day++) {
    const occurred_at = `2024-03-${String(day).padStart(2, "0")}T12:00:00.000Z`;
    const events = Array.from({ length: USERS }, (_, u) => ({
      type: "user.active",
      user_id: `user-${String(u).padStart(5, "0")}`,
      occurred_at,
    }));
    await ingestEvents(store, environment_id, events, Date.parse("2024-04-01T00:00:00Z"));
  }
  server = await startLocalServer(0, { tenantGate: null });
}, 120_000);

afterAll(async () => {
  if (previousThreshold === undefined) delete process.env.RESPONSE_GZIP_THRESHOLD_BYTES;
  else process.env.RESPONSE_GZIP_THRESHOLD_BYTES = previousThreshold;
  await server?.close();
});

/** The raw answer (fetch would inflate it itself), with the headers as sent. */
function get(path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const ACTIVE_USERS =
  "/api/v1/engagement-dashboard/users/active-users?start=2024-03-01T00:00:00.000Z&end=2024-03-31T00:00:00.000Z";

describe("a dashboard answer over the compression threshold", () => {
  it("is gzipped for a gzip client and inflates to exactly the uncompressed answer", async () => {
    const plain = await get(ACTIVE_USERS, auth);
    const gzipped = await get(ACTIVE_USERS, { ...auth, "Accept-Encoding": "gzip, deflate" });

    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept-Encoding");
    expect(plain.body.length).toBeGreaterThan(THRESHOLD);
    const answer = JSON.parse(plain.body.toString("utf8"));
    expect(answer.success).toBe(true);
    expect(answer.month).toHaveLength(DAYS);
    for (const day of answer.month) expect(day.users).toBe(USERS);

    expect(gzipped.status).toBe(200);
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.vary).toBe("Accept-Encoding");
    expect(gzipped.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(gzipped.headers["x-request-id"]).toBeTruthy();
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(gunzipSync(gzipped.body).toString("utf8")).toBe(plain.body.toString("utf8"));
  });

  it("is brotli-compressed for a client that also accepts br, and inflates to the same answer", async () => {
    const plain = await get(ACTIVE_USERS, auth);
    const br = await get(ACTIVE_USERS, { ...auth, "Accept-Encoding": "gzip, deflate, br" });
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept-Encoding");
    expect(brotliDecompressSync(br.body).toString("utf8")).toBe(plain.body.toString("utf8"));
  });

  it("is not gzipped under the threshold even for a gzip client", async () => {
    const small = await get(
      "/api/v1/engagement-dashboard/users/active-users?start=2024-03-01T00:00:00.000Z&end=2024-03-01T00:00:00.000Z",
      { ...auth, "Accept-Encoding": "gzip" },
    );
    expect(small.status).toBe(200);
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.headers.vary).toBeUndefined();
    expect(JSON.parse(small.body.toString("utf8")).month[0].users).toBe(USERS);
  });
});
