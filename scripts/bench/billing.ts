import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";
import { createTables } from "../../lib/storage/createTables.js";
import { tableNames } from "../../lib/storage/tableDesign.js";
import { HOUR_MS } from "../../lib/time.js";
import { mapLimit } from "../../lib/util/mapLimit.js";
import { type Billing, meterBilling } from "./billingMeter.js";
import { type BenchEvent, userEvents } from "./mix.js";
import { HOUR_COUNTS_KIND, HOUR_GENERATIONS_KIND } from "./writeKinds.js";

/**
 * `npm run bench -- --only billing --users N [--concurrency c]` (issue 20 items 1 and 5): ingestion's write units
 * as AWS bills them (awsBilling.ts, metered on every write by billingMeter.ts), on two mixes, and the hot items
 * they imply:
 *  - *whole history*: the bench's tenant (mix.ts), users grouped by org in requests of 200 events, as `npm run
 *    bench` ingests it;
 *  - *recent activity*: users with a 10 KB profile, then rounds of requests of 200 users each active once (one
 *    `user.active` per user per request, the common case of live traffic), each round an hour after the last.
 * Each mix is ingested with `c` requests in flight (its highest concurrency). Per mix it prints the billed units
 * per event (table and index writes) by item kind, and the hottest items and index partitions: their share of all
 * write units, units and transactions per event, and the ingestion ceiling per tenant they imply on real DynamoDB:
 * an item (and an index partition) takes 1,000 write units/s, and transactions on one item serialize, so an item
 * in t transactions per event caps a tenant at 1 / (t · the transaction's time) events/s (`--tx-ms`, 25 ms by
 * default: a TransactWriteItems' latency on AWS). The goal (issue 20): ≥ 5,000 events/s with no item above half
 * of its limit.
 */

export const PROFILE_BYTES = 10 * 1024;
const REQUEST_EVENTS = 200;
const GOAL_EVENTS_PER_SECOND = 5000;

export interface MixBilling {
  mix: string;
  events: number;
  seconds: number;
  tableUnitsPerEvent: number;
  indexUnitsPerEvent: number;
  unitsPerEvent: number;
  /** Events/s per tenant before the hottest item (or index partition) reaches half its limit. */
  ceilingEventsPerSecond: number;
  hottest: string;
}

async function send(store: Store, e: string, events: unknown[], now: number) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ingestEvents(store, e, events, now);
    } catch (error) {
      // A retryable answer (concurrent changes, throttles): the sender retries; exactly once makes it safe.
      if (attempt > 8) throw error;
    }
  }
}

/** The whole-history mix of mix.ts, in the requests `npm run bench` sends. */
export function historyRequests(users: number, now: number): BenchEvent[][] {
  const orgs = Math.max(1, Math.floor(users / 20));
  const byOrg = Array.from({ length: orgs }, (_, r) => r).flatMap((r) =>
    Array.from({ length: Math.ceil((users - r) / orgs) }, (_, k) => r + k * orgs),
  );
  const requests: BenchEvent[][] = [];
  let request: BenchEvent[] = [];
  for (const i of byOrg) {
    const events = userEvents(i, users, now);
    if (request.length + events.length > REQUEST_EVENTS) {
      requests.push(request);
      request = [];
    }
    request.push(...events);
  }
  if (request.length > 0) requests.push(request);
  return requests;
}

/** A profile of `bytes` bytes as DynamoDB sizes it (a few string fields). */
function profileOf(i: number, bytes: number): Record<string, string> {
  const part = Math.floor(bytes / 4) - 8;
  return Object.fromEntries(["bio", "notes", "prefs", "extra"].map((k) => [k, `${k}${i}`.padEnd(part, "x")]));
}

/** Sign-ups of the recent-activity mix (not metered), then its rounds of activity (metered). */
export function recentRequests(users: number, rounds: number, now: number) {
  const signups: unknown[][] = [];
  for (let from = 0; from < users; from += REQUEST_EVENTS)
    signups.push(
      Array.from({ length: Math.min(REQUEST_EVENTS, users - from) }, (_, k) => ({
        type: "user.created",
        user_id: `r${from + k}`,
        event_id: `r${from + k}-c`,
        occurred_at: new Date(now - (rounds + 48) * HOUR_MS).toISOString(),
        email: `r${from + k}@example.com`,
        first_name: "Recent",
        profile: profileOf(from + k, PROFILE_BYTES),
      })),
    );
  // Rounds one after another (a user's activities an hour apart), each round's requests side by side.
  const activity: unknown[][][] = [];
  for (let round = 0; round < rounds; round++) {
    activity.push([]);
    for (let from = 0; from < users; from += REQUEST_EVENTS)
      activity[round]?.push(
        Array.from({ length: Math.min(REQUEST_EVENTS, users - from) }, (_, k) => ({
          type: "user.active",
          user_id: `r${from + k}`,
          event_id: `r${from + k}-a${round}`,
          occurred_at: new Date(now - (rounds - round) * HOUR_MS + k * 1000).toISOString(),
        })),
      );
  }
  return { signups, activity };
}

/** Hot items and index partitions, hottest first, with the ceiling each implies. */
function hotRows(billing: Billing, events: number, txMs: number) {
  const total = billing.tableUnits + billing.indexUnits;
  const rows = [
    ...[...billing.byItem.values()].map((t) => ({ what: `${t.kind}: ${t.key}`, ...t })),
    ...[...billing.byIndexPartition.values()].map((t) => ({ what: `index ${t.index} partition ${t.partition}`, ...t })),
  ].map((t) => {
    const unitsPerEvent = t.units / events;
    const txPerEvent = t.transactions / events;
    // Half of an item's 1,000 units/s; transactions on it one after another.
    const byUnits = 500 / unitsPerEvent;
    const byTransactions = txPerEvent > 0 ? 1000 / (txPerEvent * txMs) : Number.POSITIVE_INFINITY;
    return { ...t, share: t.units / total, unitsPerEvent, txPerEvent, ceiling: Math.min(byUnits, byTransactions) };
  });
  return rows.sort((a, b) => a.ceiling - b.ceiling);
}

export function printBilling(mix: string, billing: Billing, events: number, environmentId: string, txMs: number) {
  const hide = (s: string) => s.replaceAll(environmentId, "{E}");
  const perEvent = (n: number) => (n / events).toFixed(3);
  console.log(`\n${mix}: write units as AWS bills them (item sizes, transactions ×2, index writes), per event:`);
  console.log("| item kind | writes / event | table units / event | index units / event |\n|---|---|---|---|");
  for (const [kind, k] of [...billing.byKind].sort((a, b) => b[1].table + b[1].index - a[1].table - a[1].index))
    console.log(`| ${kind} | ${perEvent(k.writes)} | ${perEvent(k.table)} | ${perEvent(k.index)} |`);
  console.log(
    `| total | | ${perEvent(billing.tableUnits)} | ${perEvent(billing.indexUnits)} | → ${perEvent(billing.tableUnits + billing.indexUnits)} units per event`,
  );
  const unitsOf = (kind: string) => (billing.byKind.get(kind)?.table ?? 0) + (billing.byKind.get(kind)?.index ?? 0);
  const [live, generations] = [unitsOf(HOUR_COUNTS_KIND), unitsOf(HOUR_GENERATIONS_KIND)];
  console.log(
    `${mix}: hour-level data (issue 21 budget ≤ 0.3): ${perEvent(live + generations)} units per event ` +
      `(live hour counts ${perEvent(live)}, old days' generations ${perEvent(generations)})`,
  );
  const rows = hotRows(billing, events, txMs);
  console.log(
    `\n${mix}: hottest items (limit 1,000 write units/s each, half of it the goal; transactions ${txMs} ms each):`,
  );
  console.log(
    "| item (key) | share of write units | units / event | transactions / event | events/s per tenant at half its limit |\n|---|---|---|---|---|",
  );
  for (const r of rows.slice(0, 10))
    console.log(
      `| ${hide(r.what)} | ${(100 * r.share).toFixed(1)} % | ${r.unitsPerEvent.toFixed(4)} | ${r.txPerEvent.toFixed(4)} | ${r.ceiling.toFixed(0)} |`,
    );
  const ceiling = rows[0]?.ceiling ?? Number.POSITIVE_INFINITY;
  console.log(
    `${mix}: ingestion ceiling per tenant ≈ ${ceiling.toFixed(0)} events/s (goal ≥ ${GOAL_EVENTS_PER_SECOND}: ${ceiling >= GOAL_EVENTS_PER_SECOND ? "met" : "NOT met"})`,
  );
  return { ceiling, hottest: rows[0] ? hide(rows[0].what) : "" };
}

/** Runs both mixes on tables of their own at `endpoint`; prints and returns the figures. */
export async function benchBilling(
  endpoint: string,
  users: number,
  options: { concurrency: number; rounds: number; txMs: number },
): Promise<MixBilling[]> {
  const doc = createDocumentClient(endpoint);
  const tables = tableNames("bench-billing-");
  const store: Store = { doc, tables };
  for (const TableName of Object.values(tables))
    await doc.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  await createTables(store);
  const meter = meterBilling(doc, endpoint);
  const now = Date.now();
  const results: MixBilling[] = [];
  const run = async (mix: string, rounds: unknown[][][], e: string) => {
    const billing = meter.reset();
    const events = rounds.flat().reduce((n, r) => n + r.length, 0);
    const started = performance.now();
    for (const requests of rounds) await mapLimit(requests, options.concurrency, (r) => send(store, e, r, now));
    const seconds = (performance.now() - started) / 1000;
    const { ceiling, hottest } = printBilling(mix, billing, events, e, options.txMs);
    const per = (n: number) => n / events;
    results.push({
      mix,
      events,
      seconds,
      tableUnitsPerEvent: per(billing.tableUnits),
      indexUnitsPerEvent: per(billing.indexUnits),
      unitsPerEvent: per(billing.tableUnits + billing.indexUnits),
      ceilingEventsPerSecond: ceiling,
      hottest,
    });
  };
  {
    const { environment_id: e } = await createEnvironment(store, "billing-history");
    await run(`whole history (${users} users, mix.ts)`, [historyRequests(users, now)], e);
  }
  {
    const { environment_id: e } = await createEnvironment(store, "billing-recent");
    const { signups, activity } = recentRequests(users, options.rounds, now);
    meter.reset();
    await mapLimit(signups, options.concurrency, (r) => send(store, e, r, now));
    await run(
      `recent activity (${users} users with a ${PROFILE_BYTES / 1024} KB profile, ${options.rounds} rounds of each active once)`,
      activity,
      e,
    );
  }
  console.log(
    "\n| mix | events | table units / event | index units / event | billed units / event | ceiling events/s |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of results)
    console.log(
      `| ${r.mix} | ${r.events} | ${r.tableUnitsPerEvent.toFixed(2)} | ${r.indexUnitsPerEvent.toFixed(2)} | ${r.unitsPerEvent.toFixed(2)} | ${r.ceilingEventsPerSecond.toFixed(0)} |`,
    );
  return results;
}
