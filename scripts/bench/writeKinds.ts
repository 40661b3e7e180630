import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * Write units by kind of item (claim, batch, user, set member, counter, …), as DynamoDB bills them: a plain write
 * costs ⌈size / 1 KB⌉ units, a transactional one twice that. An item's size is estimated from its attributes (names
 * plus values, as DynamoDB sizes them); an update's size is the item's after the update, which the request doesn't
 * show, so updates count as one unit (two in a transaction), the figure capacity.ts also uses for transactions.
 */

export interface KindCost {
  items: number;
  units: number;
}

export type KindCosts = Map<string, KindCost>;

/** The item kind a key names (tableDesign.ts). */
export function kindOfKey(pk: string, sk: unknown): string {
  const rest = pk.replace(/^E#[^#]*/, "");
  // The existing-users counter is spread over sub-items `COUNT#users#{n}` (tableDesign.ts COUNTER_SUB_ITEMS).
  if (rest === "")
    return /^COUNT#users(#|$)/.test(String(sk)) ? "counter: existing users" : `environment ${String(sk)}`;
  const [, kind, ...parts] = rest.split("#");
  switch (kind) {
    case "EV":
      return "claim (event_id)";
    case "BATCH":
      return "ingestion batch";
    case "U":
      return "user";
    case "O":
      return String(sk).startsWith("MEMBER#") ? "org member" : "org";
    case "SET":
      return `set member: ${parts[0]} ${parts[1]}`;
    case "CNT":
      return parts.length === 0 ? "counters of a month (every metric, day/week/month)" : `counter: ${parts.join(" ")}`;
    case "LAH":
      return "counter: last-active hour";
    case "HC":
      return HOUR_COUNTS_KIND;
    case "HCGEN":
      return HOUR_GENERATIONS_KIND;
    case "HCD":
      return DERIVED_HOUR_COUNTS_KIND;
    case "INV":
      return "invite log";
    case "MC":
      return "membership-change log";
    default:
      return kind ?? "other";
  }
}

/** DynamoDB's size of a (document-client) value. */
function sizeOf(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number") return Math.ceil(String(value).replace(/^-/, "").replace(".", "").length / 2) + 1;
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + sizeOf(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + sizeOf(v), 0);
  if (typeof value === "object")
    return 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + sizeOf(v), 0);
  return 1;
}

export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + sizeOf(v), 0);
}

const unitsOf = (item: Record<string, unknown> | undefined) =>
  item ? Math.max(1, Math.ceil(itemSize(item) / 1024)) : 1;

type Write = { key: Record<string, unknown>; units: number; hoursOnly?: boolean };

/** The per-day hour counters (distinct users per clock hour and two-hour group): hour-level data's own item. */
export const HOUR_COUNTS_KIND = "counter: clock hours of a day";

/** The generations of a month's old days (lib/ingest/hourGenerations.ts): hour-level data's item for old days. */
export const HOUR_GENERATIONS_KIND = "hour-count generations of a month (old days)";

/** An old day's hour counts derived from its members by a reader (lib/dashboard/storage.ts): written on reads. */
export const DERIVED_HOUR_COUNTS_KIND = "counter: clock hours of an old day, derived";

/** The kind of a day set member's merge that moves only clock-hour bounds: what hour-level data adds by itself. */
export const HOURS_ONLY_SUFFIX = " (clock hours only)";

/** Whether an Update sets only `hHHn` / `hHHx` attributes (lib/ingest/hourBounds.ts), not the day's bounds. */
function setsOnlyHours(input: Record<string, unknown>): boolean {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const set = /^SET (.*?)(?: REMOVE | ADD |$)/.exec(String(input.UpdateExpression ?? ""))?.[1] ?? "";
  const fields = set.split(",").map((a) => {
    const name = a.split("=")[0]?.trim() ?? "";
    return names[name] ?? name;
  });
  return fields.length > 0 && fields.every((f) => /^h\d\d[nx]$/.test(f));
}

function writesOf(commandName: string, input: Record<string, unknown>): Write[] {
  const base = commandName.replace(/(Items?)?Command$/, "");
  const keyOf = (x: Record<string, unknown>) => ({ pk: x.pk, sk: x.sk });
  if (base === "TransactWrite") {
    return (input.TransactItems as Record<string, Record<string, unknown>>[]).flatMap((t) => {
      if (t.Put)
        return [{ key: keyOf(t.Put.Item as Record<string, unknown>), units: 2 * unitsOf(t.Put.Item as never) }];
      if (t.Update) return [{ key: keyOf(t.Update.Key as Record<string, unknown>), units: 2 }];
      if (t.Delete) return [{ key: keyOf(t.Delete.Key as Record<string, unknown>), units: 2 }];
      return [];
    });
  }
  if (base === "BatchWrite") {
    return Object.values(input.RequestItems as Record<string, Record<string, Record<string, unknown>>[]>)
      .flat()
      .map((r) =>
        r.PutRequest
          ? { key: keyOf(r.PutRequest.Item as Record<string, unknown>), units: unitsOf(r.PutRequest.Item as never) }
          : { key: keyOf(r.DeleteRequest?.Key as Record<string, unknown>), units: 1 },
      );
  }
  if (base === "Put")
    return [{ key: keyOf(input.Item as Record<string, unknown>), units: unitsOf(input.Item as never) }];
  if (base === "Update")
    return [{ key: keyOf(input.Key as Record<string, unknown>), units: 1, hoursOnly: setsOnlyHours(input) }];
  if (base === "Delete") return [{ key: keyOf(input.Key as Record<string, unknown>), units: 1 }];
  return [];
}

/** Adds a middleware to `doc` that sums, per item kind, the items written and their write units. */
export function meterKinds(doc: DynamoDBDocumentClient): KindCosts {
  const costs: KindCosts = new Map();
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = (context as { commandName?: string }).commandName ?? "";
      for (const { key, units, hoursOnly } of writesOf(name, args.input as Record<string, unknown>)) {
        const kind = kindOfKey(String(key.pk), key.sk) + (hoursOnly ? HOURS_ONLY_SUFFIX : "");
        const cost = costs.get(kind) ?? { items: 0, units: 0 };
        cost.items += 1;
        cost.units += units;
        costs.set(kind, cost);
      }
      return result;
    },
    { step: "initialize", name: "benchKindMeter" },
  );
  return costs;
}

export function totalOf(costs: KindCosts): KindCost {
  let items = 0;
  let units = 0;
  for (const c of costs.values()) {
    items += c.items;
    units += c.units;
  }
  return { items, units };
}

export function snapshot(costs: KindCosts): KindCosts {
  return new Map([...costs].map(([k, c]) => [k, { ...c }]));
}

export function diffKinds(after: KindCosts, before: KindCosts): KindCosts {
  const out: KindCosts = new Map();
  for (const [k, c] of after) {
    const b = before.get(k) ?? { items: 0, units: 0 };
    if (c.items - b.items > 0) out.set(k, { items: c.items - b.items, units: c.units - b.units });
  }
  return out;
}
