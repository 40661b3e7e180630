/**
 * `npm run bench -- --users 1000,10000,100000 [--no-postgres]`: the scale instrument of issue 10. For each tenant
 * size, on a fresh in-memory DynamoDB Local, with the realistic mix of scripts/bench/mix.ts:
 *  - ingestion through the local HTTP server: events/s and write units per event;
 *  - the refresh, each part in a process of its own as one worker runs it: wall time, peak RSS, items read/written;
 *  - every read route through the local server: items read, read units, response bytes and latency per call;
 *  - the same questions as SQL over one events table in a real PostgreSQL (scripts/bench/postgres.ts), and the ratio.
 * Then, at the smallest size, the write units as AWS bills them on two mixes and the hot items (`--only billing`).
 * Prints one table with the ratio largest/smallest per row, writes bench/results.json (its `results`, `billing` and
 * `erasure` sections: each mode rewrites its own and keeps the others). Asserts nothing.
 * `--only webhooks`: only the cost of one webhook dispatch per subscribed list size (scripts/bench/webhooks.ts).
 * `--only erasure`: only the cost of a `user.erased` request and its job per snapshot size (scripts/bench/erasure.ts).
 * `--only billing`: write units as AWS bills them and the hot items, on two mixes (scripts/bench/billing.ts).
 * `--only split-retries [--batches 6]`: big pending batches sent again split, all at once, through the local server
 * (scripts/bench/splitRetries.ts).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { createEnvironment, createUserToken } from "../lib/auth/credentials.js";
import { CHURN_SHARD_ROWS } from "../lib/reports/churnShards.js";
import { CURVE_SHARD_ROWS } from "../lib/reports/curveShards.js";
import { type PartJob, planRun } from "../lib/reports/refreshRun.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { createTables } from "../lib/storage/createTables.js";
import { startDynamoDbLocal } from "../lib/storage/dynamodbLocal.js";
import { DAY_MS } from "../lib/time.js";
import { mapLimit } from "../lib/util/mapLimit.js";
import { type BigRequestTimes, benchBigRequests, INGEST_BUDGET_MS, printBigRequests } from "./bench/bigRequest.js";
import { benchBilling } from "./bench/billing.js";
import { type Capacity, diff, meter } from "./bench/capacity.js";
import { billedReadUnits, type CostInputs, costInputs, meterBilledReads, printCosts } from "./bench/costs.js";
import { printCurvesExtrapolation } from "./bench/curveShards.js";
import { benchErasure, type ErasureCost, printErasureCosts } from "./bench/erasure.js";
import { extrapolationTable, partLabel } from "./bench/extrapolate.js";
import { hourRoutes } from "./bench/hourRoutes.js";
import { type BenchEvent, userEvents } from "./bench/mix.js";
import { startPostgres } from "./bench/postgres.js";
import { seedTenant } from "./bench/seed.js";
import { benchSplitRetries, printSplitRetries } from "./bench/splitRetries.js";
import { benchWebhookDispatch, printWebhookDispatchCosts } from "./bench/webhooks.js";
import { printItemSizes, printKindCosts, printTypeCosts, writeCostByType } from "./bench/writeCost.js";
import { diffKinds, type KindCosts, meterKinds, snapshot } from "./bench/writeKinds.js";
import { startLocalServer } from "./lib/httpServer.js";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SIZES = (flag("--users") ?? "1000,10000").split(",").map(Number);
const WITH_POSTGRES = !argv.includes("--no-postgres");
/** Ingestion figures only (write units per event by type and on the mix): no refresh, routes or PostgreSQL. */
const INGEST_ONLY = argv.includes("--ingest-only");
/** `--only erasure`: just the cost of a `user.erased` request, and of its job, per snapshot size (scripts/bench/erasure.ts). */
const ONLY = flag("--only");
/** Sizes above this are seeded (scripts/bench/seed.ts), not ingested: ingestion here runs ≈ 60–100 events/s. */
const SEED_ABOVE = Number(flag("--seed-above") ?? 20_000);
const DYNAMODB_PORT = Number(process.env.DYNAMODB_PORT ?? 8104);
/** Batches in flight (1: more time out on a loaded 2-core machine); users go grouped by org, so concurrent batches rarely share an org. */
const INGEST_CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 1);
const BATCH_EVENTS = 200;
/** Requests of 1,000 events sent at the end of each size (scripts/bench/bigRequest.ts). */
const BIG_REQUESTS = Number(flag("--big-requests") ?? 10);
/**
 * A worker's JavaScript heap, as V8 sizes it in a 512 MB Lambda (a quarter to a half of the memory it sees): an
 * unbounded heap here would let garbage pile up and report the machine's slack, not what the worker needs. A
 * worker needing more fails the bench.
 */
const WORKER_HEAP_MB = Number(process.env.BENCH_WORKER_HEAP_MB ?? 256);

interface SizeResult {
  users: number;
  events: number;
  /** True when the tenant was seeded: no ingestion figures, no chart routes. */
  seeded: boolean;
  ingest: { seconds: number; eventsPerSecond: number; writeUnitsPerEvent: number; itemsWrittenPerEvent: number };
  refresh: {
    /** Per part: its workers (a churn part: one per shard) summed, and the slowest / largest of them. */
    parts: Record<
      string,
      {
        workers: number;
        /** The slowest worker's wall time. */
        seconds: number;
        /** Every worker's, one after another. */
        secondsTotal: number;
        /** The largest worker's peak RSS. */
        maxRssMiB: number;
        /** The largest worker's rows (longest list). */
        maxRows: number;
        /** All workers' rows (longest list). */
        rows: number;
        /** Workers one after another in the longest chain of rests (1 when no shard handed on). */
        chain: number;
        itemsRead: number;
        itemsWritten: number;
        readUnits: number;
        writeUnits: number;
      }
    >;
    wallSecondsParallel: number;
    wallSecondsSerial: number;
    itemsRead: number;
    itemsWritten: number;
    maxRssMiB: number;
  };
  routes: Record<string, { itemsRead: number; readUnits: number; bytes: number; ms: number }>;
  /** The CSV download of the longest report (user churn, 7 days): every row, streamed. */
  csv?: { ms: number; maxRssMiB: number; bytes: number; rows: number };
  postgres?: Record<string, { ms: number; dynamoMs: number; ratio: number }>;
  /** What the monthly bill needs beyond the figures above (scripts/bench/costs.ts). */
  cost?: CostInputs;
  /** Requests of 1,000 events of the mix against the ingest deadline (scripts/bench/bigRequest.ts). */
  bigRequest?: BigRequestTimes;
}

let baseUrl = "";
/** A GET as a client makes it: a 503 is retried after its `Retry-After` (a repair of old days' hours goes on). */
async function get(url: string, headers: Record<string, string>) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}${url}`, { headers });
    const body = await res.text();
    if (res.status === 503 && attempt < 100) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get("retry-after") ?? 1)));
      continue;
    }
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
    return body;
  }
}

interface WorkerRun {
  ms: number;
  maxRssMiB: number;
  capacity: Capacity;
  rows: number;
  next: PartJob[];
}

async function runPart(job: PartJob): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${WORKER_HEAP_MB}`,
        "--import",
        "tsx",
        join(ROOT, "scripts/bench/refreshPart.ts"),
        JSON.stringify(job),
      ],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0) resolve(JSON.parse(line));
      else reject(new Error(`refresh part exited ${code}: ${out}`));
    });
  });
}

/** The CSV download of a report in a process of its own (scripts/bench/csvDownload.ts): time and peak memory. */
async function runCsvDownload(apiKey: string, path: string): Promise<SizeResult["csv"]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${WORKER_HEAP_MB}`,
        "--import",
        "tsx",
        join(ROOT, "scripts/bench/csvDownload.ts"),
        JSON.stringify({ apiKey, path }),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0) resolve(JSON.parse(line));
      else reject(new Error(`CSV download exited ${code}: ${out}`));
    });
  });
}

async function benchSize(users: number, capacity: Capacity, kinds: KindCosts): Promise<SizeResult> {
  {
    const store = storeFromEnv();
    // Fresh tables for each size, in the one DynamoDB Local of the run (the handlers' cached client points at it).
    for (const TableName of Object.values(store.tables))
      await store.doc.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    await createTables(store);
    const { environment_id, api_key } = await createEnvironment(store, "bench");
    const { auth_token } = await createUserToken(store, environment_id, "bench-admin");
    const now = Date.now();
    const all: BenchEvent[] = [];
    const batches: string[] = [];
    let batch: BenchEvent[] = [];
    const orgs = Math.max(1, Math.floor(users / 20));
    const byOrg = Array.from({ length: orgs }, (_, r) => r).flatMap((r) =>
      Array.from({ length: Math.ceil((users - r) / orgs) }, (_, k) => r + k * orgs),
    );
    for (const i of byOrg) {
      const events = userEvents(i, users, now);
      if (batch.length + events.length > BATCH_EVENTS) {
        batches.push(JSON.stringify({ events: batch }));
        batch = [];
      }
      batch.push(...events);
      all.push(...events);
    }
    if (batch.length > 0) batches.push(JSON.stringify({ events: batch }));

    // 1. Ingestion: whole users per batch (their events in order), a few batches in flight.
    const seeded = users > SEED_ABOVE;
    const before = { ...capacity };
    const readsBefore = billedReadUnits();
    const kindsBefore = snapshot(kinds);
    const started = performance.now();
    let done = 0;
    if (seeded) console.log(`${users} users: seeded ${await seedTenant(store, environment_id, all, now)} items`);
    await mapLimit(seeded ? [] : batches, INGEST_CONCURRENCY, async (body) => {
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${baseUrl}/api/backend/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
          body,
        });
        const text = await res.text();
        if (res.status === 200) break;
        // Every event has an event_id: a retried batch (a 503, or a 500 from the local 30 s deadline) counts nothing twice.
        if ((res.status !== 503 && res.status !== 500) || attempt > 5) throw new Error(`ingest: ${res.status} ${text}`);
      }
      if (++done % 50 === 0) process.stderr.write(`  ingested ${done}/${batches.length} batches\r`);
    });
    const ingestSeconds = (performance.now() - started) / 1000;
    const ingested = diff(capacity, before);
    const ingestReadUnits = billedReadUnits() - readsBefore;
    console.log(`${users} users: ${all.length} events ingested in ${ingestSeconds.toFixed(0)} s`);
    if (!seeded) {
      printKindCosts(`${users} users, the mix: write units by item kind`, diffKinds(kinds, kindsBefore), all.length);
      await printItemSizes(store, environment_id);
    }

    // 2. Refresh: planned here, each part in its own process (one worker each), one after the other; a churn
    //    shard's rest is queued as the worker would queue it.
    const planned = INGEST_ONLY ? [] : await planRun(store, environment_id, Date.now());
    const queue: { job: PartJob; link: number }[] = planned.map((job) => ({ job, link: 1 }));
    const parts: SizeResult["refresh"]["parts"] = {};
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { job, link } = next;
      const r = await runPart(job);
      const p = parts[partLabel(job)] ?? {
        workers: 0,
        seconds: 0,
        secondsTotal: 0,
        maxRssMiB: 0,
        maxRows: 0,
        rows: 0,
        chain: 0,
        itemsRead: 0,
        itemsWritten: 0,
        readUnits: 0,
        writeUnits: 0,
      };
      parts[partLabel(job)] = p;
      p.workers++;
      p.seconds = Math.max(p.seconds, r.ms / 1000);
      p.secondsTotal += r.ms / 1000;
      p.maxRssMiB = Math.max(p.maxRssMiB, r.maxRssMiB);
      p.maxRows = Math.max(p.maxRows, r.rows);
      p.rows += r.rows;
      p.chain = Math.max(p.chain, link);
      p.itemsRead += r.capacity.itemsRead;
      p.itemsWritten += r.capacity.itemsWritten;
      p.readUnits += r.capacity.readUnits;
      p.writeUnits += r.capacity.writeUnits;
      queue.push(...r.next.map((job) => ({ job, link: link + 1 })));
      const shard = job.shard ? ` [${job.shard.from ?? "…"}, ${job.shard.to})` : "";
      console.log(
        `  part ${partLabel(job)}${shard}: ${(r.ms / 1000).toFixed(1)} s, ${r.maxRssMiB.toFixed(0)} MiB, ${r.rows} rows, read ${r.capacity.itemsRead}, wrote ${r.capacity.itemsWritten}${r.next.length > 0 ? ", handed a rest on" : ""}`,
      );
    }
    const partList = Object.values(parts);

    // 3. Every read route, through the local server: one call metered, latency the median of 3.
    const bearer = { authorization: `Bearer ${api_key}` };
    const v2 = { ...bearer, "environment-id": environment_id };
    const dash = { "x-user-id": "bench-admin", "x-auth-token": auth_token };
    const iso = (ms: number) => new Date(ms).toISOString();
    const routes: SizeResult["routes"] = {};
    const measure = async (name: string, url: string, headers: Record<string, string>) => {
      const b = { ...capacity };
      const body = await get(url, headers);
      const c = diff(capacity, b);
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await get(url, headers);
        ms.push(performance.now() - t);
      }
      ms.sort((x, y) => x - y);
      routes[name] = {
        itemsRead: c.itemsRead,
        readUnits: c.readUnits,
        bytes: Buffer.byteLength(body),
        ms: ms[1] as number,
      };
      return body;
    };
    const reports: [string, string][] = [
      ["user_report/churn", "30"],
      ["user_report/champion", "90"],
      ["user_report/top_inviter", "90"],
      ["user_report/reengagement", "Monthly"],
      ["org_report/churn", "7"],
      ["org_report/reengagement", "Monthly"],
      ["org_report/growth", "90"],
      ["org_report/attrition", "90"],
    ];
    for (const [report, interval] of INGEST_ONLY ? [] : reports) {
      const url = `/api/backend/v1/${report}?report_interval=${interval}&page_size=10`;
      const total = (
        JSON.parse(await measure(`${report} ${interval} page 0`, `${url}&page_number=0`, bearer)) as {
          total_count: number;
        }
      ).total_count;
      await measure(
        `${report} ${interval} page at 90 %`,
        `${url}&page_number=${Math.floor((total * 0.9) / 10)}`,
        bearer,
      );
    }
    if (!INGEST_ONLY) {
      // Retention, lifecycle, stickiness (CONTRACT §10): the pointer and one item, whatever the tenant.
      await measure("retention users Weekly", "/api/backend/v1/retention?entity=users&cadence=Weekly", bearer);
      await measure("lifecycle users Monthly", "/api/backend/v1/lifecycle?entity=users&cadence=Monthly", bearer);
      await measure("stickiness users 30", "/api/backend/v1/stickiness?entity=users&report_interval=30", bearer);
      await measure("v2 users, page of 25 mid-list", `/api/v2/users?limit=25&after=u${Math.floor(users / 2)}`, v2);
      await measure("v2 user by id", `/api/v2/users/u${Math.floor(users / 2)}`, v2);
      // Seeded tenants have the hour counters and the active-users day sets and counters these read.
      await measure("v2 usage-statistics active-users?days=7", "/api/v2/usage-statistics/active-users?days=7", v2);
      await measure(
        "dashboard active-users, last 7 days",
        `/api/v1/engagement-dashboard/users/active-users?start=${iso(now - 7 * DAY_MS)}&end=${iso(now)}`,
        dash,
      );
    }
    // The longest report whole as CSV (CONTRACT §12), streamed by the insights handler in a process of its own.
    const csv = INGEST_ONLY
      ? undefined
      : await runCsvDownload(api_key, "/api/backend/v1/user_report/churn?report_interval=7");
    if (csv) {
      console.log(
        `  CSV user_report/churn 7: ${csv.rows} rows, ${(csv.bytes / 1048576).toFixed(1)} MiB in ${(csv.ms / 1000).toFixed(1)} s, peak RSS ${csv.maxRssMiB.toFixed(0)} MiB`,
      );
    }
    if (!seeded && !INGEST_ONLY) await measureLive();
    async function measureLive() {
      for (const [name, path] of hourRoutes(now)) await measure(name, path, dash);
      await measure(
        "dashboard new-users, last year",
        `/api/v1/engagement-dashboard/users/new-users?start=${iso(now - 365 * DAY_MS)}&end=${iso(now)}`,
        dash,
      );
      const day = (ms: number) => iso(ms).slice(0, 10);
      await measure(
        "chart active_users Daily, 7 days",
        `/api/backend/v1/chart_metric/active_users?cadence=Daily&start_date=${day(now - 7 * DAY_MS)}&end_date=${day(now)}`,
        bearer,
      );
      await measure(
        "chart active_users Weekly, 1 year",
        `/api/backend/v1/chart_metric/active_users?cadence=Weekly&start_date=${day(now - 365 * DAY_MS)}&end_date=${day(now)}`,
        bearer,
      );
      await measure(
        "chart signups Daily, 1 year",
        `/api/backend/v1/chart_metric/signups?cadence=Daily&start_date=${day(now - 365 * DAY_MS)}&end_date=${day(now)}`,
        bearer,
      );
    }

    const result: SizeResult = {
      users,
      events: all.length,
      seeded,
      ingest: {
        seconds: ingestSeconds,
        eventsPerSecond: all.length / ingestSeconds,
        writeUnitsPerEvent: ingested.writeUnits / all.length,
        itemsWrittenPerEvent: ingested.itemsWritten / all.length,
      },
      refresh: {
        parts,
        // Parallel: every planned part at once; a chain of rests runs one after another.
        wallSecondsParallel: partList.length
          ? Math.max(...partList.map((p) => (p.chain > 1 ? p.secondsTotal : p.seconds)))
          : Number.NaN,
        wallSecondsSerial: partList.reduce((n, p) => n + p.secondsTotal, 0),
        itemsRead: partList.reduce((n, p) => n + p.itemsRead, 0),
        itemsWritten: partList.reduce((n, p) => n + p.itemsWritten, 0),
        maxRssMiB: partList.length ? Math.max(...partList.map((p) => p.maxRssMiB)) : Number.NaN,
      },
      routes,
      ...(csv ? { csv } : {}),
    };

    // 4. The baseline: the same events in one PostgreSQL table, the same questions.
    if (WITH_POSTGRES && !INGEST_ONLY) {
      const pg = await startPostgres(DYNAMODB_PORT + 1000);
      try {
        await pg.load(all);
        const answers = await pg.questions(now, 3);
        const same: Record<string, string> = {
          "active users per day, last 7 days": "chart active_users Daily, 7 days",
          "new users per day, last year": "chart signups Daily, 1 year",
          "churn 30 days, page of 10 at 90 %": "user_report/churn 30 page at 90 %",
          "champion 90 days, page 0": "user_report/champion 90 page 0",
          "weekly active users, last year": "chart active_users Weekly, 1 year",
        };
        result.postgres = Object.fromEntries(
          Object.entries(answers).map(([q, a]) => {
            const dynamoMs = routes[same[q] as string]?.ms ?? Number.NaN;
            return [q, { ms: a.ms, dynamoMs, ratio: a.ms / dynamoMs }];
          }),
        );
      } finally {
        await pg.stop();
      }
    }
    if (!INGEST_ONLY) {
      const ingest = {
        events: all.length,
        requests: batches.length,
        readUnits: ingestReadUnits,
        seconds: ingestSeconds,
      };
      result.cost = await costInputs(store, users, now, ingest);
      // Last: it adds users to the tenant.
      result.bigRequest = await benchBigRequests(baseUrl, api_key, users, BIG_REQUESTS, capacity);
      printBigRequests(users, result.bigRequest);
    }
    return result;
  }
}

function printTable(results: SizeResult[]) {
  const rows: [string, (r: SizeResult) => number][] = [
    ["ingest: events/s", (r) => (r.seeded ? Number.NaN : r.ingest.eventsPerSecond)],
    ["ingest: write units per event (transactions ×2)", (r) => (r.seeded ? Number.NaN : r.ingest.writeUnitsPerEvent)],
    ["ingest: items written per event", (r) => (r.seeded ? Number.NaN : r.ingest.itemsWrittenPerEvent)],
    ["refresh: wall s, parts in parallel (slowest part)", (r) => r.refresh.wallSecondsParallel],
    ["refresh: wall s, parts one after another", (r) => r.refresh.wallSecondsSerial],
    ["refresh: items read", (r) => r.refresh.itemsRead],
    ["refresh: items written", (r) => r.refresh.itemsWritten],
    ["refresh: peak RSS MiB of the largest worker", (r) => r.refresh.maxRssMiB],
    ["CSV churn 7 (all rows): rows", (r) => r.csv?.rows ?? Number.NaN],
    ["CSV churn 7 (all rows): peak RSS MiB", (r) => r.csv?.maxRssMiB ?? Number.NaN],
    ["CSV churn 7 (all rows): seconds", (r) => (r.csv ? r.csv.ms / 1000 : Number.NaN)],
    [
      `1,000-event request: p50 s (budget ${INGEST_BUDGET_MS / 1000} s)`,
      (r) => (r.bigRequest?.p50Ms ?? Number.NaN) / 1000,
    ],
    [
      `1,000-event request: p95 s (budget ${INGEST_BUDGET_MS / 1000} s)`,
      (r) => (r.bigRequest?.p95Ms ?? Number.NaN) / 1000,
    ],
  ];
  for (const part of Object.keys(results[0]?.refresh.parts ?? {})) {
    rows.push([`refresh part ${part}: workers`, (r) => r.refresh.parts[part]?.workers ?? Number.NaN]);
    rows.push([`refresh part ${part}: slowest worker s`, (r) => r.refresh.parts[part]?.seconds ?? Number.NaN]);
    rows.push([
      `refresh part ${part}: largest worker peak RSS MiB`,
      (r) => r.refresh.parts[part]?.maxRssMiB ?? Number.NaN,
    ]);
  }
  for (const route of Object.keys(results[0]?.routes ?? {})) {
    rows.push([`${route}: items`, (r) => r.routes[route]?.itemsRead ?? Number.NaN]);
    rows.push([`${route}: read units`, (r) => r.routes[route]?.readUnits ?? Number.NaN]);
    rows.push([`${route}: bytes`, (r) => r.routes[route]?.bytes ?? Number.NaN]);
  }
  for (const q of Object.keys(results[0]?.postgres ?? {})) {
    rows.push([`PostgreSQL ${q}: ms`, (r) => r.postgres?.[q]?.ms ?? Number.NaN]);
    rows.push([`  same question here: ms`, (r) => r.postgres?.[q]?.dynamoMs ?? Number.NaN]);
    rows.push([`  ratio PostgreSQL / here`, (r) => r.postgres?.[q]?.ratio ?? Number.NaN]);
  }
  const fmt = (n: number) =>
    Number.isNaN(n) ? "–" : Number.isInteger(n) ? String(n) : n >= 100 ? n.toFixed(0) : n.toFixed(2);
  const header = ["cost", ...results.map((r) => `${r.users / 1000}k`), "largest/smallest"];
  console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  for (const [label, of] of rows) {
    const values = results.map(of);
    const positive = values.filter((v) => v > 0 && Number.isFinite(v));
    const ratio = positive.length > 1 ? Math.max(...positive) / Math.min(...positive) : Number.NaN;
    console.log(`| ${label} | ${values.map(fmt).join(" | ")} | ${Number.isNaN(ratio) ? "–" : ratio.toFixed(2)} |`);
  }
  console.log(extrapolation(results));
  printCosts(results);
  console.log(extrapolationTable(results));
  printCurvesExtrapolation(results, 10_000_000);
}

/**
 * 1M users from the two largest sizes. A part computed whole: time and items × (1M / largest), memory along the
 * slope between the two sizes. A sharded part (churn): each worker computes at most its budget of rows, so its
 * worker's time and memory grow with its rows up to the budget and stop there; the number of workers grows instead
 * (run in parallel when planned, one after another in a chain of rests).
 */
function extrapolation(results: SizeResult[]): string {
  const largest = results[results.length - 1] as SizeResult;
  const previous = results[results.length - 2];
  const scale = 1_000_000 / largest.users;
  const lines: string[] = [];
  let wall = 0;
  for (const [part, p] of Object.entries(largest.refresh.parts)) {
    const q = previous?.refresh.parts[part];
    const budget =
      part === "user_churn"
        ? CHURN_SHARD_ROWS.U
        : part === "org_churn"
          ? CHURN_SHARD_ROWS.O
          : part === "user_curves" || part === "org_curves"
            ? CURVE_SHARD_ROWS
            : undefined;
    if (budget === undefined || p.maxRows === 0) {
      const slope = q ? (p.maxRssMiB - q.maxRssMiB) / (largest.users - (previous as SizeResult).users) : 0;
      const rss = p.maxRssMiB + Math.max(0, slope) * (1_000_000 - largest.users);
      wall = Math.max(wall, p.seconds * scale);
      lines.push(`  ${part}: 1 worker, ${(p.seconds * scale).toFixed(0)} s, ${rss.toFixed(0)} MiB peak RSS`);
      continue;
    }
    const workerRows = Math.min(budget, p.maxRows * scale);
    const slope = q && p.maxRows !== q.maxRows ? (p.maxRssMiB - q.maxRssMiB) / (p.maxRows - q.maxRows) : 0;
    const rss = p.maxRssMiB + Math.max(0, slope) * (workerRows - p.maxRows);
    const seconds = p.seconds * Math.max(1, workerRows / p.maxRows);
    const workers = Math.ceil((p.rows * scale) / budget);
    // User churn shards are planned from the hour counters (parallel); org churn starts whole and chains its rests.
    const chained = part === "org_churn" || part === "org_curves";
    wall = Math.max(wall, chained ? seconds * workers : seconds);
    lines.push(
      `  ${part}: ${workers} workers of ≤ ${budget} rows${chained ? " (a chain)" : " (parallel)"}, ${seconds.toFixed(0)} s and ${rss.toFixed(0)} MiB peak RSS each`,
    );
  }
  return (
    `\nExtrapolated to 1M users (from ${largest.users / 1000}k${previous ? ` and ${previous.users / 1000}k` : ""}):\n${lines.join("\n")}\n` +
    `  refresh wall time, parts in parallel: ${wall.toFixed(0)} s\n` +
    `  per hourly refresh: items read ${Math.round(largest.refresh.itemsRead * scale)}, written ${Math.round(largest.refresh.itemsWritten * scale)}`
  );
}

async function main() {
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${DYNAMODB_PORT}`;
  process.env.TABLE_PREFIX = "bench-";
  process.env.AWS_REGION ??= "us-east-1";
  // One DynamoDB Local for the run; on a loaded machine its JVM may miss the start deadline once.
  // BENCH_DYNAMODB_ENDPOINT: a DynamoDB Local already running (its JVM may miss the start deadline on a busy machine).
  let local: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined = process.env.BENCH_DYNAMODB_ENDPOINT
    ? { endpoint: process.env.BENCH_DYNAMODB_ENDPOINT, stop: async () => {} }
    : undefined;
  for (let attempt = 0; !local; attempt++) {
    try {
      local = await startDynamoDbLocal({ port: DYNAMODB_PORT + attempt });
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
  process.env.DYNAMODB_ENDPOINT = local.endpoint;
  const endpoint = local.endpoint;
  const billing = async (sizes: number[]) => {
    const n = (name: string, fallback: number) => Number(flag(name) ?? fallback);
    const options = { rounds: n("--rounds", 3), txMs: n("--tx-ms", 25), concurrency: n("--concurrency", 4) };
    const results = [];
    for (const users of sizes) results.push({ users, mixes: await benchBilling(endpoint, users, options) });
    saveSection("billing", { command, at: new Date().toISOString(), options, results });
    console.log("written bench/results.json (billing)");
  };
  if (ONLY === "billing") {
    await billing(SIZES);
    await local.stop();
    return;
  }
  const capacity = meter(storeFromEnv().doc);
  meterBilledReads(storeFromEnv().doc);
  if (ONLY === "erasure") {
    const erasure: ErasureCost[] = [];
    for (const rows of (flag("--users") ?? "1000,10000,100000").split(",").map(Number))
      erasure.push(await benchErasure(storeFromEnv(), rows, capacity));
    printErasureCosts(erasure);
    saveSection("erasure", { command, results: erasure });
    await local.stop();
    console.log("written bench/results.json (erasure)");
    return;
  }
  if (ONLY === "split-retries") {
    const server = await startLocalServer(0, { tenantGate: null });
    const times = await benchSplitRetries(storeFromEnv(), server.url, Number(flag("--batches") ?? 6));
    printSplitRetries(times);
    saveSection("splitRetries", { command, at: new Date().toISOString(), results: times });
    await server.close();
    console.log("written bench/results.json (splitRetries)");
    return void (await local.stop());
  }
  if (ONLY === "webhooks") {
    const sizes = (flag("--users") ?? "1000,10000,100000").split(",").map(Number);
    const costs = [];
    for (const rows of sizes) costs.push(await benchWebhookDispatch(storeFromEnv(), rows, capacity));
    printWebhookDispatchCosts(costs);
    return void (await local.stop());
  }
  const kinds = meterKinds(storeFromEnv().doc);
  // Without tenant rate limits: the figures are the service's, not the limiter's.
  const server = await startLocalServer(0, { tenantGate: null });
  baseUrl = server.url;
  const results: SizeResult[] = [];
  const at = new Date().toISOString();
  const save = () => saveSections({ command, at, results });
  // Saved after each size: a long run stopped midway keeps what it measured.
  {
    // Per event type, on tables of their own before the sizes (each size deletes and recreates the bench tables).
    const store = storeFromEnv();
    const tables = {
      entities: "bench-types-entities",
      activity: "bench-types-activity",
      reports: "bench-types-reports",
    };
    await createTables({ doc: store.doc, tables });
    printTypeCosts(await writeCostByType(local.endpoint, tables));
  }
  for (const users of SIZES) {
    results.push(await benchSize(users, capacity, kinds));
    save();
    if (results.length < SIZES.length) printTable(results);
  }
  await server.close();
  printTable(results);
  console.log("written bench/results.json");
  if (!INGEST_ONLY) await billing([Math.min(...SIZES)]);
  await local.stop();
}

const command = `npm run bench -- ${argv.join(" ")}`;
const RESULTS_FILE = join(ROOT, "bench/results.json");

/** Rewrites the given top-level sections of bench/results.json, keeping the others (each mode writes its own). */
function saveSections(sections: Record<string, unknown>) {
  const previous = existsSync(RESULTS_FILE)
    ? (JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Record<string, unknown>)
    : {};
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...previous, ...sections }, null, 2)}\n`);
}

const saveSection = (name: string, value: unknown) => saveSections({ [name]: value });

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
