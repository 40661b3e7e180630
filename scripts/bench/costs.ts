import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../../lib/storage/client.js";
import { DAY_MS } from "../../lib/time.js";
import {
  ASSUMPTIONS,
  type MeasuredSize,
  type MonthlyBill,
  monthlyBill,
  monthUsage,
  PRICES,
  storedItemBytes,
} from "./costModel.js";
import { userEvents } from "./mix.js";
import { itemSize } from "./writeKinds.js";

/**
 * The bench's side of the monthly bill (scripts/bench/costModel.ts holds the prices, the assumptions and the
 * arithmetic): the figures of a size that the bench's table does not already keep — the mix's events of a month,
 * ingestion's read units and time per request, the tenant's stored bytes (a bench-only Scan of its fresh tables) —
 * and the printed bill of each size.
 */

/**
 * Read units as DynamoDB bills them, whatever DynamoDB Local reports: a GetItem or each key of a BatchGetItem costs
 * one unit strongly consistent (half eventually) per 4 KB started *whether or not the item exists* — Local charges
 * nothing for a missing item, and ingestion mostly asks for claims and day set members that don't exist yet; a
 * TransactGetItems item costs two. Queries and Scans are charged by the bytes they read, as Local reports them.
 */
const billed = { readUnits: 0 };

/** The read units billed so far on `doc` once meterBilledReads has been added to it. */
export const billedReadUnits = () => billed.readUnits;

export function meterBilledReads(doc: DynamoDBDocumentClient): void {
  const units = (item: Record<string, unknown> | undefined, perUnit: number) =>
    perUnit * Math.max(1, Math.ceil((item ? itemSize(item) : 0) / 4096));
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = (context as { commandName?: string }).commandName ?? "";
      const input = args.input as Record<string, unknown>;
      const output = result.output as Record<string, unknown>;
      if (/^Get(Item)?Command$/.test(name))
        billed.readUnits += units(output.Item as Record<string, unknown>, input.ConsistentRead ? 1 : 0.5);
      else if (/^BatchGet(Item)?Command$/.test(name)) {
        for (const [table, request] of Object.entries(input.RequestItems as Record<string, Record<string, unknown>>)) {
          const found = ((output.Responses as Record<string, Record<string, unknown>[]>)?.[table] ?? []).length;
          const left = ((output.UnprocessedKeys as Record<string, { Keys?: unknown[] }>)?.[table]?.Keys ?? []).length;
          // Items ≤ 4 KB here (ingestion batches ≈ 3.5 KB at most): one unit per key answered, found or not.
          const answered = (request.Keys as unknown[]).length - left;
          billed.readUnits += Math.max(answered, found) * (request.ConsistentRead ? 1 : 0.5);
        }
      } else if (/^TransactGet(Items)?Command$/.test(name))
        billed.readUnits += 2 * (input.TransactItems as unknown[]).length;
      else if (/^(Query|Scan)Command$/.test(name)) {
        const consumed = output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
        billed.readUnits += consumed?.CapacityUnits ?? 0;
      }
      return result;
    },
    { step: "initialize", name: "benchBilledReads" },
  );
}

/**
 * What costInputs measures; the rest of a size's MeasuredSize comes from the bench's own result. A seeded size's
 * ingestion fields measure the seeding, not ingestion: measuredSize takes an ingested size's instead.
 */
export interface CostInputs {
  eventsPerUserMonth: number;
  ingestReadUnitsPerEvent: number;
  ingestMsPerRequest: number;
  storedBytes: number;
}

/** The fields of the bench's per-size result the bill reads (scripts/bench.ts SizeResult). */
export interface SizeFigures {
  users: number;
  seeded: boolean;
  ingest: { writeUnitsPerEvent: number };
  refresh: {
    parts: Record<string, { workers: number; secondsTotal: number; readUnits: number; writeUnits: number }>;
  };
  routes: Record<string, { readUnits: number; ms: number }>;
  cost?: CostInputs;
}

/** Events of the mix dated within the month before `now`, per user. */
export function eventsPerUserMonth(users: number, now: number, days: number = ASSUMPTIONS.days): number {
  const since = now - days * DAY_MS;
  let events = 0;
  for (let i = 0; i < users; i++)
    events += userEvents(i, users, now).filter((e) => Date.parse(e.occurred_at) >= since).length;
  return events / users;
}

/** The billed bytes of every item of `store`'s tables, once per table and once per index that holds it. */
export async function storedBytesOf(store: Store): Promise<number> {
  let bytes = 0;
  for (const TableName of [store.tables.entities, store.tables.activity, store.tables.reports]) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName, ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        const size = itemSize(item);
        bytes += storedItemBytes(size);
        // By sign-up (projects every attribute), by last activity (keys only): tableDesign.ts.
        if (item.gsi1pk !== undefined) bytes += storedItemBytes(size);
        if (item.gsi2pk !== undefined) {
          const { pk, sk, gsi2pk, gsi2sk } = item;
          bytes += storedItemBytes(itemSize({ pk, sk, gsi2pk, gsi2sk }));
        }
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return bytes;
}

export async function costInputs(
  store: Store,
  users: number,
  now: number,
  ingest: { events: number; requests: number; readUnits: number; seconds: number },
): Promise<CostInputs> {
  return {
    eventsPerUserMonth: eventsPerUserMonth(users, now),
    ingestReadUnitsPerEvent: ingest.events > 0 ? ingest.readUnits / ingest.events : Number.NaN,
    ingestMsPerRequest: ingest.requests > 0 ? (ingest.seconds * 1000) / ingest.requests : Number.NaN,
    storedBytes: await storedBytesOf(store),
  };
}

/**
 * A size's MeasuredSize. A seeded size has no ingestion figures: it takes those of `ingested` (the largest size
 * ingested), which do not depend on the tenant's size.
 */
export function measuredSize(r: SizeFigures, ingested: SizeFigures | undefined): MeasuredSize | undefined {
  const from = r.seeded ? ingested : r;
  if (!r.cost || !from?.cost) return undefined;
  const parts = Object.values(r.refresh.parts);
  return {
    users: r.users,
    eventsPerUserMonth: r.cost.eventsPerUserMonth,
    ingest: {
      // The bench's own figure (whatever counting of write units it uses), so the bill follows it.
      writeUnitsPerEvent: from.ingest.writeUnitsPerEvent,
      readUnitsPerEvent: from.cost.ingestReadUnitsPerEvent,
      msPerRequest: from.cost.ingestMsPerRequest,
    },
    routes: Object.values(r.routes),
    refresh: {
      readUnits: parts.reduce((n, p) => n + p.readUnits, 0),
      writeUnits: parts.reduce((n, p) => n + p.writeUnits, 0),
      workers: parts.reduce((n, p) => n + p.workers, 0),
      workerSeconds: parts.reduce((n, p) => n + p.secondsTotal, 0),
    },
    storedBytes: r.cost.storedBytes,
  };
}

const dollars = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 0.01 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const amount = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n >= 1 ? n.toFixed(1) : n.toFixed(3);

/** One table of the month's bill per size, then one line per size: total and cost per million events. */
export function printCosts(results: readonly SizeFigures[]): { users: number; bill: MonthlyBill }[] {
  const ingested = [...results].reverse().find((r) => !r.seeded && r.cost);
  const bills = results.flatMap((r) => {
    const m = measuredSize(r, ingested);
    return m ? [{ users: r.users, bill: monthlyBill(monthUsage(m)) }] : [];
  });
  if (bills.length === 0) return bills;
  console.log(
    `\nWhat a tenant's month costs on AWS (${PRICES.region} on-demand prices read ${PRICES.readOn}, no free tiers; ` +
      `assumptions in scripts/bench/costModel.ts):`,
  );
  for (const { users, bill } of bills) {
    console.log(
      `\n${users} users: ${amount(bill.usage.events)} events a month (${(bill.usage.events / users).toFixed(2)} per user)`,
    );
    console.log("| line | quantity a month | $ a month |\n|---|---|---|");
    for (const l of bill.lines) console.log(`| ${l.line} | ${amount(l.quantity)} ${l.unit} | ${dollars(l.dollars)} |`);
    console.log(`| total | | ${dollars(bill.total)} |`);
  }
  console.log(
    "\n| tenant | events a month | $ a month | $ per million events (all) | $ per million events (ingestion only) |",
  );
  console.log("|---|---|---|---|---|");
  for (const { users, bill } of bills)
    console.log(
      `| ${users / 1000}k users | ${amount(bill.usage.events)} | ${dollars(bill.total)} | ${dollars(bill.perMillionEvents)} | ${dollars(bill.ingestPerMillionEvents)} |`,
    );
  return bills;
}
