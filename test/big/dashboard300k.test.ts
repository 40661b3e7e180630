import { randomUUID } from "node:crypto";
import { brotliDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { LAMBDA_RESPONSE_LIMIT_BYTES } from "../../lib/http/compression.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { fetchRaw, seedActiveDays } from "../helpers/activeDays.js";
import { testStore } from "../helpers/store.js";

/**
 * The case (issue 10): a dashboard active-users period of 300,000 active user-days, all distinct users (UUIDs),
 * through the local server on DynamoDB Local, at the default threshold. Its seeding alone takes about a minute, the
 * suite's slowest file (it runs beside the others; `npm run test:big` runs it alone). test/dashboard/
 * streamedActiveUsers.test.ts covers the same path with fewer items and every encoding. Prints the figures.
 */

const DAYS = 30;
const USERS_PER_DAY = 10_000;

let server: RunningServer;
let auth: Record<string, string>;
let want: string;

beforeAll(async () => {
  const store = await testStore();
  const { environment_id } = await createEnvironment(store, "300k user-days");
  const token = await createUserToken(store, environment_id, "dash");
  auth = { "x-user-id": token.user_id, "x-auth-token": token.auth_token };
  const seeded = Array.from({ length: DAYS }, (_, i) => ({
    day: `2024-06-${String(i + 1).padStart(2, "0")}`,
    userIds: Array.from({ length: USERS_PER_DAY }, () => randomUUID()),
  }));
  const started = performance.now();
  await seedActiveDays(store, environment_id, seeded);
  console.log(`seeded ${DAYS * USERS_PER_DAY} user-days in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // What the contract says, built from the seed: newest day first, a day's ids as DynamoDB lists its set (by key).
  want = JSON.stringify({
    month: seeded.reverse().map(({ day, userIds }) => {
      const [year, month, d] = day.split("-").map(Number);
      return { usersList: [...userIds].sort(), users: userIds.length, day: d, month, year };
    }),
    success: true,
  });
  server = await startLocalServer(0, { tenantGate: null });
}, 600_000);

afterAll(async () => {
  await server?.close();
});

const URL_PATH =
  "/api/v1/engagement-dashboard/users/active-users?start=2024-06-01T00:00:00.000Z&end=2024-06-30T00:00:00.000Z";

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

describe("300,000 active user-days of distinct users", () => {
  it("are answered 200 in full, uncompressed and brotli, past Lambda's 6 MB buffered limit", async () => {
    const plain = await fetchRaw(`${server.url}${URL_PATH}`, auth);
    expect(plain.status).toBe(200);
    expect(plain.headers["transfer-encoding"]).toBe("chunked");
    expect(plain.body.length).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(plain.body.toString("utf8")).toBe(want);
    console.log(
      `plain: ${mb(plain.body.length)}, first byte ${plain.firstByteMs.toFixed(0)} ms, all ${plain.totalMs.toFixed(0)} ms`,
    );

    const br = await fetchRaw(`${server.url}${URL_PATH}`, { ...auth, "Accept-Encoding": "gzip, deflate, br" });
    expect([br.status, br.headers["content-encoding"]]).toEqual([200, "br"]);
    // Over 6 MB once base64 in a buffered proxy result: the buffered path refused this answer (400).
    expect(Math.ceil(br.body.length / 3) * 4).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(brotliDecompressSync(br.body).toString("utf8")).toBe(want);
    console.log(
      `br: ${mb(br.body.length)}, first byte ${br.firstByteMs.toFixed(0)} ms, all ${br.totalMs.toFixed(0)} ms`,
    );
  }, 600_000);
});
