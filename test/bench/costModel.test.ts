import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../infra/config.js";
import { WORKER_MEMORY_MB } from "../../infra/refresh.js";
import { bigRequestBodies, quantile } from "../../scripts/bench/bigRequest.js";
import {
  ASSUMPTIONS,
  type MeasuredSize,
  type MonthUsage,
  monthlyBill,
  monthUsage,
  PRICES,
  storedItemBytes,
} from "../../scripts/bench/costModel.js";
import { measuredSize, type SizeFigures } from "../../scripts/bench/costs.js";

// The bench's monthly bill (issue 20 item 7): the arithmetic from measured figures to dollars, checked against
// quantities and prices worked out by hand.

const usage = (over: Partial<MonthUsage>): MonthUsage => ({
  events: 0,
  ingestRequests: 0,
  ingestWriteUnits: 0,
  ingestReadUnits: 0,
  ingestGbSeconds: 0,
  readCalls: 0,
  readReadUnits: 0,
  readGbSeconds: 0,
  refreshReadUnits: 0,
  refreshWriteUnits: 0,
  refreshInvocations: 0,
  refreshGbSeconds: 0,
  sqsRequests: 0,
  storedGb: 0,
  ...over,
});

const dollarsOf = (bill: ReturnType<typeof monthlyBill>, line: string) =>
  bill.lines.find((l) => l.line === line)?.dollars;

describe("monthlyBill", () => {
  it("prices each line at the table's us-east-1 on-demand prices", () => {
    const bill = monthlyBill(
      usage({
        events: 2_000_000,
        ingestRequests: 10_000,
        ingestWriteUnits: 8_000_000,
        ingestReadUnits: 4_000_000,
        ingestGbSeconds: 30_000,
        readCalls: 2_000_000,
        refreshWriteUnits: 1_000_000,
        refreshReadUnits: 16_000_000,
        sqsRequests: 5_000_000,
        storedGb: 3,
      }),
    );
    // 8M WRU at $0.625 per million (the price since DynamoDB halved on-demand throughput in November 2024).
    expect(dollarsOf(bill, "DynamoDB write units: ingestion")).toBeCloseTo(5, 10);
    expect(dollarsOf(bill, "DynamoDB read units: ingestion")).toBeCloseTo(0.5, 10);
    expect(dollarsOf(bill, "Lambda requests: ingestion")).toBeCloseTo(0.002, 10);
    expect(dollarsOf(bill, "Lambda duration: ingestion")).toBeCloseTo(0.400002, 10);
    expect(dollarsOf(bill, "API Gateway requests: ingestion")).toBeCloseTo(0.035, 10);
    expect(dollarsOf(bill, "API Gateway requests: read routes")).toBeCloseTo(7, 10);
    expect(dollarsOf(bill, "Lambda requests: read routes")).toBeCloseTo(0.4, 10);
    expect(dollarsOf(bill, "DynamoDB write units: refresh")).toBeCloseTo(0.625, 10);
    expect(dollarsOf(bill, "DynamoDB read units: refresh")).toBeCloseTo(2, 10);
    expect(dollarsOf(bill, "SQS requests: refresh jobs")).toBeCloseTo(2, 10);
    expect(dollarsOf(bill, "DynamoDB storage")).toBeCloseTo(0.75, 10);
    const total = 5 + 0.5 + 0.002 + 0.400002 + 0.035 + 7 + 0.4 + 0.625 + 2 + 2 + 0.75;
    expect(bill.total).toBeCloseTo(total, 8);
    expect(bill.perMillionEvents).toBeCloseTo(total / 2, 8);
    expect(bill.ingestPerMillionEvents).toBeCloseTo((5 + 0.5 + 0.002 + 0.400002 + 0.035) / 2, 8);
  });

  it("has no cost per event for a month without events", () => {
    const bill = monthlyBill(usage({ storedGb: 1 }));
    expect(bill.total).toBeCloseTo(PRICES.dynamodb.perGbMonth, 10);
    expect(bill.perMillionEvents).toBeNaN();
  });
});

describe("monthUsage", () => {
  const measured: MeasuredSize = {
    users: 10_000,
    eventsPerUserMonth: 0.5,
    ingest: { writeUnitsPerEvent: 3, readUnitsPerEvent: 2, msPerRequest: 500 },
    routes: [
      { readUnits: 3, ms: 100 },
      { readUnits: 1, ms: 20 },
    ],
    refresh: { readUnits: 1000, writeUnits: 50, workers: 4, workerSeconds: 2 },
    storedBytes: 2 * 1024 ** 3,
  };

  it("turns a size's measured figures into the month's quantities", () => {
    const u = monthUsage(measured);
    expect(u.events).toBe(5000);
    expect(u.ingestRequests).toBe(25); // 5000 events, 200 a request
    expect(u.ingestWriteUnits).toBe(15_000);
    expect(u.ingestReadUnits).toBe(10_000);
    expect(u.ingestGbSeconds).toBeCloseTo(25 * 0.5 * 1, 10); // 1024 MB
    expect(u.readCalls).toBe(2000);
    expect(u.readReadUnits).toBe(4000);
    expect(u.readGbSeconds).toBeCloseTo(1000 * (0.1 + 0.02) * 0.5, 10); // 512 MB
    expect(u.refreshReadUnits).toBe(720_000);
    expect(u.refreshWriteUnits).toBe(36_000);
    expect(u.refreshInvocations).toBe(720 * 5); // planning + 4 workers, hourly
    expect(u.refreshGbSeconds).toBeCloseTo(720 * 2 * 0.5, 10);
    expect(u.sqsRequests).toBe(720 * 5 * 3); // a job and 4 parts: sent, received, deleted
    expect(u.storedGb).toBe(2);
  });

  it("rounds ingestion requests up: a part-filled request is a whole one", () => {
    expect(monthUsage({ ...measured, eventsPerUserMonth: 0.0201 }).ingestRequests).toBe(2);
  });

  it("assumes what the stack deploys: hourly refresh, the worker's memory", () => {
    expect(ASSUMPTIONS.refreshRunsPerMonth).toBe((ASSUMPTIONS.days * 24 * 60) / DEFAULTS.refreshRate);
    expect(ASSUMPTIONS.workerMemoryMb).toBe(WORKER_MEMORY_MB);
  });

  it("bills an item's bytes with DynamoDB's 100 bytes of overhead", () => {
    expect(storedItemBytes(250)).toBe(350);
  });
});

describe("measuredSize", () => {
  const size = (users: number, seeded: boolean, writeUnitsPerEvent: number): SizeFigures => ({
    users,
    seeded,
    ingest: { writeUnitsPerEvent },
    refresh: {
      parts: {
        a: { workers: 1, secondsTotal: 1, readUnits: 10, writeUnits: 2 },
        b: { workers: 3, secondsTotal: 4, readUnits: 30, writeUnits: 6 },
      },
    },
    routes: { x: { readUnits: 2, ms: 10 } },
    cost: {
      eventsPerUserMonth: 0.3,
      ingestReadUnitsPerEvent: seeded ? Number.NaN : 1.5,
      ingestMsPerRequest: 700,
      storedBytes: users,
    },
  });

  it("sums the refresh parts and takes the size's own ingestion figures", () => {
    const m = measuredSize(size(1000, false, 3.5), undefined);
    expect(m?.refresh).toEqual({ readUnits: 40, writeUnits: 8, workers: 4, workerSeconds: 5 });
    expect(m?.ingest).toEqual({ writeUnitsPerEvent: 3.5, readUnitsPerEvent: 1.5, msPerRequest: 700 });
  });

  it("gives a seeded size the ingestion figures of the largest ingested size", () => {
    const m = measuredSize(size(100_000, true, Number.NaN), size(10_000, false, 3.25));
    expect(m?.ingest.writeUnitsPerEvent).toBe(3.25);
    expect(m?.ingest.readUnitsPerEvent).toBe(1.5);
    expect(m?.storedBytes).toBe(100_000);
  });
});

describe("the 1,000-event request", () => {
  it("is 1,000 events of whole users of the mix, new to the tenant, each request different", () => {
    const bodies = bigRequestBodies(1000, 1000, 2, Date.now());
    const [first, second] = bodies.map(
      (b) => (JSON.parse(b) as { events: { event_id: string; user_id: string }[] }).events,
    );
    expect(first).toHaveLength(1000);
    expect(second).toHaveLength(1000);
    expect(first?.[0]?.user_id).toBe("u1000");
    const ids = new Set([...(first ?? []), ...(second ?? [])].map((e) => e.event_id));
    expect(ids.size).toBe(2000);
  });

  it("takes quantiles by nearest rank", () => {
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(10);
    expect(quantile(sorted, 0.95)).toBe(19);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
