import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";
import { DAY_MS, HOUR_MS } from "../../lib/time.js";
import {
  diffKinds,
  HOUR_COUNTS_KIND,
  HOUR_GENERATIONS_KIND,
  HOURS_ONLY_SUFFIX,
  itemSize,
  type KindCosts,
  kindOfKey,
  meterKinds,
  snapshot,
  totalOf,
} from "./writeKinds.js";

/**
 * Write units per event type: each event sent alone (one request, one event, with an `event_id`) to a tenant that
 * already knows a user without org, a member of an org, and that org, so each row is what one event of that type
 * costs a tenant, claim and batch completion included. Transactional items count twice (capacity.ts).
 */

export interface TypeCost {
  label: string;
  items: number;
  units: number;
  byKind: Record<string, number>;
}

const at = (ms: number) => new Date(ms).toISOString();

/** The scenarios, in order, each one event on the tenant as the previous ones left it. */
function scenarios(now: number): { label: string; event: Record<string, unknown> }[] {
  const day = Math.floor((now - 3 * DAY_MS) / DAY_MS) * DAY_MS; // 00:00 of a day three days ago
  return [
    {
      label: "user.created (new user)",
      event: { type: "user.created", user_id: "n1", occurred_at: at(day), email: "n1@example.com" },
    },
    {
      label: "user.active, first of its day",
      event: { type: "user.active", user_id: "solo", occurred_at: at(day + 9 * HOUR_MS) },
    },
    {
      label: "user.active, repeat in the same hour",
      event: { type: "user.active", user_id: "solo", occurred_at: at(day + 9 * HOUR_MS + 60_000) },
    },
    {
      label: "user.active, repeat later that day",
      event: { type: "user.active", user_id: "solo", occurred_at: at(day + 15 * HOUR_MS) },
    },
    {
      label: "user.active, earlier that day (no longer latest)",
      event: { type: "user.active", user_id: "solo", occurred_at: at(day + 8 * HOUR_MS) },
    },
    {
      label: "user.active of an org member, first of its day",
      event: { type: "user.active", user_id: "member", occurred_at: at(day + 10 * HOUR_MS) },
    },
    {
      label: "user.active of an org member, repeat that day",
      event: { type: "user.active", user_id: "member", occurred_at: at(day + 11 * HOUR_MS) },
    },
    {
      label: "user.updated",
      event: { type: "user.updated", user_id: "solo", occurred_at: at(day + 16 * HOUR_MS), first_name: "Solo" },
    },
    {
      label: "user.invited",
      event: {
        type: "user.invited",
        user_id: "solo",
        occurred_at: at(day + 17 * HOUR_MS),
        invitee_email: "g@example.com",
      },
    },
    {
      label: "org.created",
      event: { type: "org.created", org_id: "o2", occurred_at: at(day + 18 * HOUR_MS), name: "Two" },
    },
    {
      label: "org.member_added",
      event: { type: "org.member_added", org_id: "o2", user_id: "solo", occurred_at: at(day + 19 * HOUR_MS) },
    },
    {
      label: "org.member_removed",
      event: { type: "org.member_removed", org_id: "o2", user_id: "solo", occurred_at: at(day + 20 * HOUR_MS) },
    },
    { label: "user.deleted", event: { type: "user.deleted", user_id: "n1", occurred_at: at(day + 21 * HOUR_MS) } },
    {
      label: "a duplicate (event_id already accepted)",
      event: { type: "user.active", user_id: "solo", occurred_at: at(day + 15 * HOUR_MS) },
    },
  ];
}

/** Runs the scenarios on a fresh environment of `tables` at `endpoint`; returns one row per scenario. */
export async function writeCostByType(endpoint: string, tables: Store["tables"]): Promise<TypeCost[]> {
  const doc = createDocumentClient(endpoint);
  const costs: KindCosts = meterKinds(doc);
  const store: Store = { doc, tables };
  const { environment_id: e } = await createEnvironment(store, "write-cost");
  const now = Date.now();
  const setupAt = now - 40 * DAY_MS;
  await ingestEvents(
    store,
    e,
    [
      { type: "user.created", user_id: "solo", occurred_at: at(setupAt), event_id: "s1" },
      { type: "user.created", user_id: "member", occurred_at: at(setupAt), event_id: "s2" },
      { type: "org.created", org_id: "o1", name: "One", occurred_at: at(setupAt), event_id: "s3" },
      { type: "org.member_added", org_id: "o1", user_id: "member", occurred_at: at(setupAt + 1000), event_id: "s4" },
      { type: "user.created", user_id: "one", occurred_at: at(setupAt), event_id: "s5" },
      { type: "user.created", user_id: "ten", occurred_at: at(setupAt), event_id: "s6" },
    ],
    now,
  );
  const rows: TypeCost[] = [];
  const list = scenarios(now);
  for (const [i, { label, event }] of list.entries()) {
    // The duplicate re-sends the event_id of "repeat later that day".
    const eventId = label.startsWith("a duplicate") ? "w3" : `w${i}`;
    const before = snapshot(costs);
    await ingestEvents(store, e, [{ ...event, event_id: eventId }], now);
    const d = diffKinds(costs, before);
    const total = totalOf(d);
    rows.push({ label, ...total, byKind: Object.fromEntries([...d].map(([k, c]) => [k, c.units])) });
  }
  // Repeats inside one request: one user active ten times in an hour, against the same user state active once.
  const day = Math.floor((now - 2 * DAY_MS) / DAY_MS) * DAY_MS + 9 * HOUR_MS;
  const request = async (userId: string, n: number) => {
    const before = snapshot(costs);
    const events = Array.from({ length: n }, (_, k) => ({
      type: "user.active",
      user_id: userId,
      occurred_at: at(day + k * 60_000),
      event_id: `${userId}-r${k}`,
    }));
    await ingestEvents(store, e, events, now);
    return totalOf(diffKinds(costs, before));
  };
  const one = await request("one", 1);
  const ten = await request("ten", 10);
  rows.push({
    label: "user.active, each repeat within one request (same user, same day: 10 events minus 1, ÷ 9)",
    items: (ten.items - one.items) / 9,
    units: (ten.units - one.units) / 9,
    byKind: {},
  });
  return rows;
}

export function printTypeCosts(rows: TypeCost[]): void {
  console.log("\nwrite units per event by type (each event alone in its request; transactional items ×2):");
  console.log("| event | items written | write units | units by item kind |\n|---|---|---|---|");
  for (const r of rows) {
    const kinds = Object.entries(r.byKind)
      .map(([k, u]) => `${k} ${u}`)
      .join(", ");
    const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
    console.log(`| ${r.label} | ${fmt(r.items)} | ${fmt(r.units)} | ${kinds} |`);
  }
}

export function printKindCosts(title: string, costs: KindCosts, events: number): void {
  console.log(`\n${title} (per event, transactional items ×2):`);
  console.log("| item kind | items / event | write units / event |\n|---|---|---|");
  const rows = [...costs].sort((a, b) => b[1].units - a[1].units);
  for (const [kind, c] of rows)
    console.log(`| ${kind} | ${(c.items / events).toFixed(3)} | ${(c.units / events).toFixed(3)} |`);
  const t = totalOf(costs);
  console.log(`| total | ${(t.items / events).toFixed(3)} | ${(t.units / events).toFixed(3)} |`);
  const perEvent = (kinds: (kind: string) => boolean) =>
    [...costs].filter(([kind]) => kinds(kind)).reduce((n, [, c]) => n + c.units, 0) / events;
  const counters = perEvent((kind) => kind === HOUR_COUNTS_KIND);
  const generations = perEvent((kind) => kind === HOUR_GENERATIONS_KIND);
  const merges = perEvent((kind) => kind.endsWith(HOURS_ONLY_SUFFIX));
  console.log(
    `hour-level data (issue 21 budget ≤ 0.3): ${(counters + generations + merges).toFixed(3)} write units per ` +
      `event by itself: hour counts of live days ${counters.toFixed(3)} (transactional, ×2), generations of old ` +
      `days ${generations.toFixed(3)} (one ADD per request and month), merges of day set members that move only ` +
      `clock-hour bounds ${merges.toFixed(3)}; the users' hour calendars (live days only) ride in their writes ` +
      "(sizes below); the hour-count items also split requests into more transactions (compare the totals)",
  );
}

/** The largest and mean size (bytes) of each kind of item the environment holds (a bench-only Scan). */
export async function printItemSizes(store: Store, environmentId: string): Promise<void> {
  const sizes = new Map<string, number[]>();
  for (const TableName of [store.tables.entities, store.tables.activity]) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName, ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        if (!String(item.pk).startsWith(`E#${environmentId}`)) continue;
        const kind = kindOfKey(String(item.pk), item.sk);
        sizes.set(kind, [...(sizes.get(kind) ?? []), itemSize(item)]);
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  console.log("\nitem sizes after ingestion (bytes; a write costs one unit per KB started):");
  console.log("| item kind | items | mean | largest |\n|---|---|---|---|");
  for (const [kind, list] of [...sizes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const mean = list.reduce((n, x) => n + x, 0) / list.length;
    console.log(`| ${kind} | ${list.length} | ${mean.toFixed(0)} | ${Math.max(...list)} |`);
  }
}
