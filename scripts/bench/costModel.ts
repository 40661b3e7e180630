/**
 * What a tenant's month costs on AWS (issue 20 item 7): one price table, and pure functions from what the bench
 * measured for a tenant size to that tenant's monthly bill per line item and its cost per million events. The bench
 * (scripts/bench/costs.ts) feeds it each size's figures; nothing here does I/O.
 *
 * PRICES — us-east-1 (US East, N. Virginia), USD, on-demand list prices without free tiers (the free tiers are the
 * account's, shared by every tenant and every other workload: a tenant's bill is its marginal cost). Read on
 * 2026-12-04 from the AWS pricing pages named in PRICES.sources (stored copies, cross-checked against two or more
 * independent write-ups each). DynamoDB on-demand throughput was halved on 1 November 2024 ($1.25 → $0.625 per
 * million write request units, $0.25 → $0.125 per million read request units): the table holds the prices since.
 *
 * THE TENANT'S MONTH (ASSUMPTIONS) — what the bench cannot measure, so it is assumed, the same for every size:
 *  - events: the mix's own (scripts/bench/mix.ts): the events it dates within the last 30 days, per user, times the
 *    tenant's users (≈ 0.19 per user a month: 11.5 % of users active in the last 30 days, a few events each);
 *  - ingestion requests carry EVENTS_PER_INGEST_REQUEST events (the bench's batch): every request is one API
 *    Gateway request and one ingest Lambda invocation (1024 MB) of the bench's measured time per request;
 *  - reads: each read route the bench measures is called READ_CALLS_PER_ROUTE times a month (a dashboard opened a
 *    few dozen times a day, an integration polling), each one API Gateway request and one Lambda invocation (512 MB)
 *    of the bench's measured time, reading the bench's measured read units — which by design do not grow with the
 *    tenant (every read path is a Query or GetItem of the page asked);
 *  - the refresh runs hourly (infra/config.ts refreshRate 60: 720 runs a month), each run the bench's measured
 *    items read and written and its workers' measured seconds at 512 MB, plus one planning invocation; every job
 *    and part is one SQS message, sent, received and deleted (3 requests; the payloads are far below 64 KB);
 *  - storage: the tenant's items as the bench left them (every event of the mix's two years), at DynamoDB's billed
 *    size (the item's bytes + 100 bytes of overhead), counted again in each index that holds it.
 * Not counted: the authorizer (cached per credential: a few invocations an hour), CloudWatch logs and alarms, data
 * transfer out, the dashboard's static hosting, and the SQS pollers Lambda runs whether or not there is work (a few
 * hundred thousand requests a month per queue for the whole deployment, ≈ $0.25, not per tenant).
 * Times come from DynamoDB Local on a shared 2-core machine, slower per call than DynamoDB: the Lambda lines are
 * upper bounds.
 */

export const PRICES = {
  region: "us-east-1",
  readOn: "2026-12-04",
  sources: [
    "DynamoDB: aws.amazon.com/dynamodb/pricing/on-demand/ (Standard table class; on-demand throughput halved on 2024-11-01)",
    "Lambda: aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-seconds a month)",
    "API Gateway: aws.amazon.com/api-gateway/pricing/ (REST APIs, first 333 million requests a month)",
    "SQS: aws.amazon.com/sqs/pricing/ (standard queues, first 100 billion requests a month; a request per 64 KB)",
  ],
  dynamodb: { perMillionWriteUnits: 0.625, perMillionReadUnits: 0.125, perGbMonth: 0.25 },
  lambda: { perArmGbSecond: 0.0000133334, perMillionRequests: 0.2 },
  apiGateway: { perMillionRestRequests: 3.5 },
  sqs: { perMillionRequests: 0.4 },
} as const;

export type Prices = typeof PRICES;

export const ASSUMPTIONS = {
  /** The bench's ingestion batch (scripts/bench.ts BATCH_EVENTS). */
  eventsPerIngestRequest: 200,
  readCallsPerRoute: 1000,
  /** Hourly (infra/config.ts refreshRate: 60 minutes), 30 days. */
  refreshRunsPerMonth: 720,
  /** infra/functions.ts: ingest 1024 MB, the read families 512 MB; infra/refresh.ts WORKER_MEMORY_MB. */
  ingestMemoryMb: 1024,
  readMemoryMb: 512,
  workerMemoryMb: 512,
  /** Send, receive, delete. */
  sqsRequestsPerMessage: 3,
  /** DynamoDB bills each item's bytes plus this much (per table and per index holding it). */
  itemOverheadBytes: 100,
  days: 30,
} as const;

export type Assumptions = typeof ASSUMPTIONS;

/** What the bench measured for one tenant size. */
export interface MeasuredSize {
  users: number;
  /** Events of the mix dated within the last `days` days, per user. */
  eventsPerUserMonth: number;
  ingest: {
    writeUnitsPerEvent: number;
    readUnitsPerEvent: number;
    /** Wall time of one ingestion request of the bench's batch through the local server. */
    msPerRequest: number;
  };
  /** Each read route the bench measured: read units and latency of one call. */
  routes: { readUnits: number; ms: number }[];
  refresh: {
    readUnits: number;
    writeUnits: number;
    /** Worker invocations of one run (a part, a churn shard, a rest handed on). */
    workers: number;
    /** All workers' wall time of one run, one after another. */
    workerSeconds: number;
  };
  /** The tenant's billed storage (storedItemBytes summed over tables and indexes). */
  storedBytes: number;
}

/** The usage of one month, the bill's quantities. */
export interface MonthUsage {
  events: number;
  ingestRequests: number;
  ingestWriteUnits: number;
  ingestReadUnits: number;
  ingestGbSeconds: number;
  readCalls: number;
  readReadUnits: number;
  readGbSeconds: number;
  refreshReadUnits: number;
  refreshWriteUnits: number;
  refreshInvocations: number;
  refreshGbSeconds: number;
  sqsRequests: number;
  storedGb: number;
}

export interface LineItem {
  line: string;
  quantity: number;
  unit: string;
  dollars: number;
}

export interface MonthlyBill {
  usage: MonthUsage;
  lines: LineItem[];
  total: number;
  /** The whole bill over the month's events, per million. */
  perMillionEvents: number;
  /** Only what ingesting costs (its requests, invocations, reads and writes), per million events. */
  ingestPerMillionEvents: number;
}

const GB = 1024 ** 3;
const gbSeconds = (ms: number, memoryMb: number) => (ms / 1000) * (memoryMb / 1024);

/** The bytes DynamoDB bills for an item of `itemBytes` (attribute names and values), in one table or index. */
export function storedItemBytes(itemBytes: number, a: Assumptions = ASSUMPTIONS): number {
  return itemBytes + a.itemOverheadBytes;
}

/** A tenant's month from the bench's measured figures and the assumptions above. */
export function monthUsage(m: MeasuredSize, a: Assumptions = ASSUMPTIONS): MonthUsage {
  const events = m.eventsPerUserMonth * m.users;
  const ingestRequests = Math.ceil(events / a.eventsPerIngestRequest);
  const readCalls = m.routes.length * a.readCallsPerRoute;
  const runs = a.refreshRunsPerMonth;
  // A run: the dispatcher's job message, then one part message per worker.
  const messagesPerRun = 1 + m.refresh.workers;
  return {
    events,
    ingestRequests,
    ingestWriteUnits: events * m.ingest.writeUnitsPerEvent,
    ingestReadUnits: events * m.ingest.readUnitsPerEvent,
    ingestGbSeconds: ingestRequests * gbSeconds(m.ingest.msPerRequest, a.ingestMemoryMb),
    readCalls,
    readReadUnits: a.readCallsPerRoute * m.routes.reduce((n, r) => n + r.readUnits, 0),
    readGbSeconds: a.readCallsPerRoute * m.routes.reduce((n, r) => n + gbSeconds(r.ms, a.readMemoryMb), 0),
    refreshReadUnits: runs * m.refresh.readUnits,
    refreshWriteUnits: runs * m.refresh.writeUnits,
    // The planning invocation, then one per worker.
    refreshInvocations: runs * (1 + m.refresh.workers),
    refreshGbSeconds: runs * gbSeconds(m.refresh.workerSeconds * 1000, a.workerMemoryMb),
    sqsRequests: runs * messagesPerRun * a.sqsRequestsPerMessage,
    storedGb: m.storedBytes / GB,
  };
}

/** The month's bill, line by line, at `prices`. */
export function monthlyBill(u: MonthUsage, prices: Prices = PRICES): MonthlyBill {
  const perMillion = (n: number, price: number) => (n / 1e6) * price;
  const d = prices.dynamodb;
  const l = prices.lambda;
  const line = (name: string, quantity: number, unit: string, dollars: number): LineItem => ({
    line: name,
    quantity,
    unit,
    dollars,
  });
  // An API request: its Lambda invocation, the Lambda's time, and API Gateway's request (ingestion and read routes).
  const apiCalls = (what: string, requests: number, gbSeconds: number) => [
    line(`Lambda requests: ${what}`, requests, "requests", perMillion(requests, l.perMillionRequests)),
    line(`Lambda duration: ${what}`, gbSeconds, "GB-s", gbSeconds * l.perArmGbSecond),
    line(
      `API Gateway requests: ${what}`,
      requests,
      "requests",
      perMillion(requests, prices.apiGateway.perMillionRestRequests),
    ),
  ];
  const ingest = [
    line(
      "DynamoDB write units: ingestion",
      u.ingestWriteUnits,
      "WRU",
      perMillion(u.ingestWriteUnits, d.perMillionWriteUnits),
    ),
    line(
      "DynamoDB read units: ingestion",
      u.ingestReadUnits,
      "RRU",
      perMillion(u.ingestReadUnits, d.perMillionReadUnits),
    ),
    ...apiCalls("ingestion", u.ingestRequests, u.ingestGbSeconds),
  ];
  const rest = [
    line(
      "DynamoDB read units: read routes",
      u.readReadUnits,
      "RRU",
      perMillion(u.readReadUnits, d.perMillionReadUnits),
    ),
    ...apiCalls("read routes", u.readCalls, u.readGbSeconds),
    line(
      "DynamoDB read units: refresh",
      u.refreshReadUnits,
      "RRU",
      perMillion(u.refreshReadUnits, d.perMillionReadUnits),
    ),
    line(
      "DynamoDB write units: refresh",
      u.refreshWriteUnits,
      "WRU",
      perMillion(u.refreshWriteUnits, d.perMillionWriteUnits),
    ),
    line(
      "Lambda requests: refresh",
      u.refreshInvocations,
      "requests",
      perMillion(u.refreshInvocations, l.perMillionRequests),
    ),
    line("Lambda duration: refresh", u.refreshGbSeconds, "GB-s", u.refreshGbSeconds * l.perArmGbSecond),
    line(
      "SQS requests: refresh jobs",
      u.sqsRequests,
      "requests",
      perMillion(u.sqsRequests, prices.sqs.perMillionRequests),
    ),
    line("DynamoDB storage", u.storedGb, "GB-month", u.storedGb * d.perGbMonth),
  ];
  const sum = (lines: LineItem[]) => lines.reduce((n, x) => n + x.dollars, 0);
  const total = sum(ingest) + sum(rest);
  const millions = u.events / 1e6;
  return {
    usage: u,
    lines: [...ingest, ...rest],
    total,
    perMillionEvents: millions > 0 ? total / millions : Number.NaN,
    ingestPerMillionEvents: millions > 0 ? sum(ingest) / millions : Number.NaN,
  };
}
