/**
 * `npm run bench`: figures for ingestion throughput, refresh time and read latencies against a fresh in-memory
 * DynamoDB Local (or DYNAMODB_ENDPOINT). Prints figures; asserts nothing (speed is measured here, not in tests).
 */
import { createEnvironment, createUserToken } from "../lib/auth/credentials.js";
import { refreshEnvironment } from "../lib/reports/refresh.js";
import { createDocumentClient, type Store } from "../lib/storage/client.js";
import { createTables } from "../lib/storage/createTables.js";
import { startDynamoDbLocal } from "../lib/storage/dynamodbLocal.js";
import { tableNames } from "../lib/storage/tableDesign.js";
import { DAY_MS } from "../lib/time.js";
import { startLocalServer } from "./lib/httpServer.js";

const USERS = Number(process.env.BENCH_USERS ?? 2000);
const DAYS = Number(process.env.BENCH_DAYS ?? 60);

let baseUrl = "";

/** One request through the local HTTP server: the same API Gateway event and handler as deployed. */
async function call(method: string, url: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${baseUrl}${url}`, { method, headers, body });
  return { statusCode: res.status, body: await res.text() };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

async function latencies(label: string, runs: number, fn: () => Promise<{ statusCode: number }>) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [res, took] = await time(fn);
    if (res.statusCode !== 200) throw new Error(`${label}: status ${res.statusCode}`);
    ms.push(took);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms`);
}

async function main() {
  const local = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamoDbLocal();
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? (local?.endpoint as string);
  process.env.DYNAMODB_ENDPOINT = endpoint;
  const prefix = `bench${Date.now()}-`;
  process.env.TABLE_PREFIX = prefix;
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const store: Store = {
    doc: createDocumentClient(endpoint),
    tables: tableNames(prefix),
  };
  await createTables(store);
  // Without tenant rate limits: the figures are the service's, not the limiter's.
  const server = await startLocalServer(0, { tenantGate: null });
  baseUrl = server.url;
  const { environment_id, api_key } = await createEnvironment(store, "bench");
  const { auth_token } = await createUserToken(store, environment_id, "bench-admin");
  const now = Date.now();
  const start = now - DAYS * DAY_MS;
  console.log(`DynamoDB Local at ${endpoint}; ${USERS} users, ${DAYS} days of activity\n`);

  // 1. Sign-ups: batches of 1000 through the real handler.
  const signupBatches: string[] = [];
  for (let i = 0; i < USERS; i += 1000) {
    const events = [];
    for (let u = i; u < Math.min(USERS, i + 1000); u++) {
      events.push({
        type: "user.created",
        user_id: `u${u}`,
        email: `u${u}@example.com`,
        occurred_at: new Date(start + (u % DAYS) * DAY_MS).toISOString(),
      });
      if (u % 10 === 0)
        events.push({
          type: "org.member_added",
          org_id: `o${u % 50}`,
          user_id: `u${u}`,
          occurred_at: new Date(start + (u % DAYS) * DAY_MS + 1000).toISOString(),
        });
    }
    signupBatches.push(JSON.stringify({ events: events.slice(0, 1000) }));
  }
  // 2. Activity: each user active on ~1/3 of the days.
  const activity: object[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let u = d % 3; u < USERS; u += 3) {
      activity.push({
        type: "user.active",
        user_id: `u${u}`,
        occurred_at: new Date(start + d * DAY_MS + (u % 86_000) * 1000).toISOString(),
      });
    }
  }
  const activityBatches: string[] = [];
  for (let i = 0; i < activity.length; i += 1000)
    activityBatches.push(JSON.stringify({ events: activity.slice(i, i + 1000) }));

  const rssBefore = process.memoryUsage().rss;
  const batchMs: number[] = [];
  let events = 0;
  const [, totalMs] = await time(async () => {
    for (const body of [...signupBatches, ...activityBatches]) {
      const [res, took] = await time(() =>
        call("POST", "/api/backend/v1/events", { authorization: `Bearer ${api_key}` }, body),
      );
      if (res.statusCode !== 200) throw new Error(`ingest: ${res.statusCode} ${res.body}`);
      events += (JSON.parse(res.body) as { accepted: number }).accepted;
      batchMs.push(took);
    }
  });
  batchMs.sort((a, b) => a - b);
  console.log(
    `ingest: ${events} events in ${(totalMs / 1000).toFixed(1)} s = ${Math.round(events / (totalMs / 1000))} events/s`,
  );
  console.log(
    `ingest: 1000-event batch p50 ${percentile(batchMs, 50).toFixed(0)} ms, p95 ${percentile(batchMs, 95).toFixed(0)} ms`,
  );
  console.log(
    `ingest: RSS grew ${((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(0)} MiB (peak heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB)\n`,
  );

  const [{ report_time }, refreshMs] = await time(() => refreshEnvironment(store, environment_id, now));
  console.log(
    `refresh: every report snapshot of ${USERS} users in ${(refreshMs / 1000).toFixed(2)} s (report_time ${report_time})\n`,
  );

  const bearer = { authorization: `Bearer ${api_key}` };
  const dash = { "x-user-id": "bench-admin", "x-auth-token": auth_token };
  const runs = 30;
  const iso = (ms: number) => new Date(ms).toISOString();
  await latencies(`dashboard active-users, ${DAYS} days of data`, runs, () =>
    call("GET", `/api/v1/engagement-dashboard/users/active-users?start=${iso(start)}&end=${iso(now)}`, dash),
  );
  await latencies("dashboard new-users, 12-year period", runs, () =>
    call(
      "GET",
      `/api/v1/engagement-dashboard/users/new-users?start=${iso(now - 12 * 365 * DAY_MS)}&end=${iso(now)}`,
      dash,
    ),
  );
  await latencies("v2 users, page of 25 (middle of the list)", runs, () =>
    call("GET", `/api/v2/users?limit=25&after=u${Math.floor(USERS / 2)}`, {
      ...bearer,
      "environment-id": environment_id,
    }),
  );
  await latencies("v2 usage-statistics active-users?days=7", runs, () =>
    call("GET", "/api/v2/usage-statistics/active-users?days=7", { ...bearer, "environment-id": environment_id }),
  );
  await latencies("user_report/churn?report_interval=30 page 0", runs, () =>
    call("GET", "/api/backend/v1/user_report/churn?report_interval=30", bearer),
  );
  await latencies("user_report/champion?report_interval=90, deep page", runs, () =>
    call(
      "GET",
      `/api/backend/v1/user_report/champion?report_interval=90&page_number=${Math.floor(USERS / 20)}&page_size=10`,
      bearer,
    ),
  );
  await latencies("chart_metric/active_users Weekly, 1 year", runs, () =>
    call(
      "GET",
      `/api/backend/v1/chart_metric/active_users?cadence=Weekly&start_date=${iso(now - 365 * DAY_MS).slice(0, 10)}`,
      bearer,
    ),
  );
  await server.close();
  await local?.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
