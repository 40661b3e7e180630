import { randomBytes, randomUUID } from "node:crypto";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { MAX_ACTIVE_USER_DAYS } from "../../lib/dashboard/activeUsersJson.js";
import { LAMBDA_RESPONSE_LIMIT_BYTES } from "../../lib/http/compression.js";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { batchPutAll } from "../../lib/storage/batch.js";
import type { Store } from "../../lib/storage/client.js";
import { dayCountItems } from "../../lib/storage/monthCounters.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { fetchRaw, seedActiveDays } from "../helpers/activeDays.js";
import { testStore } from "../helpers/store.js";

/**
 * Streamed dashboard answers through the local server (API Gateway's stand-in, calling the streaming handler as a
 * STREAM integration does) on DynamoDB Local, with day sets written straight to the activity table. Each answer is
 * compared with what was seeded, built here from the seed (not by the code under test). The 300,000-user-day run is
 * test/big/dashboard300k.test.ts (`npm run test:big`): its seeding alone takes over a minute here.
 */

let server: RunningServer;
let store: Store;
type Seed = { day: string; userIds: string[] };

async function tenant(days: Seed[]): Promise<{ environmentId: string; auth: Record<string, string> }> {
  const { environment_id } = await createEnvironment(store, "streamed");
  const token = await createUserToken(store, environment_id, "dash");
  await seedActiveDays(store, environment_id, days);
  return { environmentId: environment_id, auth: { "x-user-id": token.user_id, "x-auth-token": token.auth_token } };
}

/** The contract's answer for these sets, ids in the order DynamoDB returns a day's set (by sort key, bytewise). */
function expected(days: Seed[]): string {
  const month = [...days]
    .sort((a, b) => (a.day < b.day ? 1 : -1))
    .map(({ day, userIds }) => {
      const [year, m, d] = day.split("-").map(Number);
      const sorted = [...userIds].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return { usersList: sorted, users: userIds.length, day: d, month: m, year };
    });
  return JSON.stringify({ month, success: true });
}

const url = (from: string, to: string) =>
  `${server.url}/api/v1/engagement-dashboard/users/active-users?start=${from}T00:00:00.000Z&end=${to}T00:00:00.000Z`;

const days = (n: number, users: (day: number) => string[]): Seed[] =>
  Array.from({ length: n }, (_, i) => ({ day: `2024-05-${String(i + 1).padStart(2, "0")}`, userIds: users(i) }));

beforeAll(async () => {
  store = await testStore();
  server = await startLocalServer(0, { tenantGate: null });
});

afterAll(async () => {
  delete process.env.RESPONSE_GZIP_THRESHOLD_BYTES;
  await server?.close();
});

describe("a dashboard active-users answer over the streaming threshold", () => {
  it("streams (chunked, no Content-Length) exactly the seeded answer, plain, brotli and gzip", async () => {
    process.env.RESPONSE_GZIP_THRESHOLD_BYTES = String(16 * 1024);
    const seeded = days(12, () => Array.from({ length: 300 }, () => randomUUID()));
    const { auth } = await tenant(seeded);
    const want = expected(seeded);

    const plain = await fetchRaw(url("2024-05-01", "2024-05-31"), auth);
    expect(plain.status).toBe(200);
    expect(plain.headers["transfer-encoding"]).toBe("chunked");
    expect(plain.headers["content-length"]).toBeUndefined();
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept-Encoding");
    expect(plain.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(plain.headers["x-request-id"]).toBeTruthy();
    expect(plain.body.toString("utf8")).toBe(want);

    const br = await fetchRaw(url("2024-05-01", "2024-05-31"), { ...auth, "Accept-Encoding": "gzip, br" });
    expect([br.status, br.headers["content-encoding"], br.headers.vary]).toEqual([200, "br", "Accept-Encoding"]);
    expect(brotliDecompressSync(br.body).toString("utf8")).toBe(want);

    const gzip = await fetchRaw(url("2024-05-01", "2024-05-31"), { ...auth, "Accept-Encoding": "gzip" });
    expect([gzip.status, gzip.headers["content-encoding"]]).toEqual([200, "gzip"]);
    expect(gunzipSync(gzip.body).toString("utf8")).toBe(want);

    // Under the threshold: the answer is read whole before its status is sent, uncompressed, as a buffered family's.
    const small = await fetchRaw(url("2024-05-03", "2024-05-03"), { ...auth, "Accept-Encoding": "br" });
    expect(small.status).toBe(200);
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.headers.vary).toBeUndefined();
    expect(small.body.toString("utf8")).toBe(expected(seeded.filter((d) => d.day === "2024-05-03")));
    delete process.env.RESPONSE_GZIP_THRESHOLD_BYTES;
  });

  it("answers in full past Lambda's 6 MB buffered limit even brotli-compressed (the buffered path answered 400)", async () => {
    // 30,000 distinct random 240-character ids: ~7.3 MB of JSON, ~5.5 MB brotli, ~7.3 MB once base64 in a proxy
    // result. Long ids keep the seeding to 30,000 items (UUIDs would take ~160,000).
    const seeded = days(2, () => Array.from({ length: 15_000 }, () => randomBytes(180).toString("base64url")));
    const { auth } = await tenant(seeded);
    const want = expected(seeded);

    const br = await fetchRaw(url("2024-05-01", "2024-05-02"), { ...auth, "Accept-Encoding": "br" });
    expect([br.status, br.headers["content-encoding"]]).toEqual([200, "br"]);
    // Base64 in a buffered proxy result (4 bytes per 3) would pass the limit: the buffered path answered 400 here.
    expect(Math.ceil(br.body.length / 3) * 4).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    const inflated = brotliDecompressSync(br.body);
    expect(inflated.length).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(inflated.toString("utf8")).toBe(want);
  });

  it("refuses a period of more user-days than a streamed response can carry with the dashboard's 400", async () => {
    const { environmentId, auth } = await tenant([]);
    // Only the counters: the refusal is decided from them, before any set is read.
    await batchPutAll(
      store,
      store.tables.activity,
      dayCountItems(environmentId, "active_users", [
        ["2024-05-01", MAX_ACTIVE_USER_DAYS - 1],
        ["2024-05-02", 2],
      ]),
    );
    const over = await fetchRaw(url("2024-05-01", "2024-05-02"), auth);
    expect(over.status).toBe(400);
    expect(JSON.parse(over.body.toString("utf8"))).toEqual(familyErrors.dashboard.responseTooLarge);
    expect(over.headers["x-request-id"]).toBeTruthy();
    // One day less is under the cap (its set is empty here: a counter ahead of its set lists nothing).
    const under = await fetchRaw(url("2024-05-01", "2024-05-01"), auth);
    expect([under.status, under.body.toString("utf8")]).toEqual([200, '{"month":[],"success":true}']);
  });
});
