import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../../lib/storage/client.js";
import { counterItemSk } from "../../lib/storage/tableDesign.js";

/**
 * Every item of every table of a test's store (a Scan: for tests only, never a request path), to check that a
 * refused request wrote nothing at all.
 */
export async function allItems(store: Store): Promise<string[]> {
  const items: string[] = [];
  for (const table of Object.values(store.tables)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) items.push(`${table} ${JSON.stringify(item)}`);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items.sort();
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Every item of an environment in the three tables, comparable across environments: the environment id and drawn
 * ids (batch ids) replaced, the instant a batch completed, its resumed mark and its stored events dropped, the
 * environment's own record left out.
 */
export async function environmentItems(store: Store, environmentId: string): Promise<string[]> {
  const items: string[] = [];
  const counters = new Map<string, Record<string, unknown>>();
  for (const table of Object.values(store.tables)) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      // A test reading its own tables whole: Scan is fine here (never on a request path).
      const page = await store.doc.send(
        new ScanCommand({
          TableName: table,
          ExclusiveStartKey,
          ConsistentRead: true,
          FilterExpression: "begins_with(pk, :e)",
          ExpressionAttributeValues: { ":e": `E#${environmentId}` },
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        if (!pk.startsWith(`E#${environmentId}`)) continue;
        if (pk === `E#${environmentId}` && (item.sk === "ENV" || String(item.sk).startsWith("REPORT#"))) continue;
        // How a batch was delivered, not what it stored (like the instant it completed): the mark that a delivery
        // other than its first resumed it (lib/ingest/claims.ts markResumed), present after retries only.
        if (pk.startsWith(`E#${environmentId}#BATCH#`) && item.sk === "RESUMED") continue;
        // A batch's stored events (lib/ingest/batchEvents.ts) are gone once it completes, but a delivery that died
        // between storing them and creating its batch leaves them to the TTL, under a digest of its own instants.
        if (pk.startsWith(`E#${environmentId}#BATCH#`) && String(item.sk).startsWith("EVENTS#")) continue;
        // An ended membership's tombstone (lib/ingest/writeMemberships.ts) reads as no item: whether one is left
        // depends on whether a delivery wrote that membership at all, and its expiry on the delivery's instant.
        if (item.removed === true && String(item.sk).startsWith("MEMBER#")) continue;
        const { completed_at, ...rest } = item;
        // A spread counter's sub-items (tableDesign.ts COUNTER_SUB_ITEMS) as the one item readers sum: which
        // sub-item a transaction moved depends on how a delivery's writes fell into transactions, not on the counts.
        const sk = String(item.sk);
        if (isCounterItem(pk, sk)) {
          const key = `${table}\u0000${pk}\u0000${counterItemSk(sk)}`;
          const sum: Record<string, unknown> = counters.get(key) ?? { table, pk, sk: counterItemSk(sk) };
          for (const [name, value] of Object.entries(rest))
            if (typeof value === "number") sum[name] = Number(sum[name] ?? 0) + value;
          counters.set(key, sum);
          continue;
        }
        items.push(
          `${table.replace(/^[^-]+-/, "")} ${JSON.stringify(rest).replaceAll(environmentId, "ENV").replace(UUID, "UUID")}`,
        );
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  for (const { table, ...sum } of counters.values()) {
    // A count summing to 0 over sub-items is no count, as an item whose ADDs cancelled out reads 0.
    const nonZero = Object.entries(sum)
      .filter(([, value]) => typeof value !== "number" || value !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    items.push(
      `${String(table).replace(/^[^-]+-/, "")} ${JSON.stringify(Object.fromEntries(nonZero)).replaceAll(environmentId, "ENV")}`,
    );
  }
  return items.sort();
}

/** Counter items a user / org transaction may spread over sub-items: month counters, last-active hours, users. */
const isCounterItem = (pk: string, sk: string) =>
  pk.endsWith("#CNT") || pk.endsWith("#LAH") || pk.endsWith("#HC") || sk.startsWith("COUNT#users");
