import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/**
 * Write units as AWS bills them (issue 20 item 5), as pure functions over the wire form of items (AttributeValue
 * maps), so the bench's billing meter (billingMeter.ts) and its tests share one rule book. Sources, the Amazon
 * DynamoDB Developer Guide:
 *
 *  - *Item size* ("DynamoDB item sizes and formats", CapacityUnitCalculations.html): the sum of the UTF-8 bytes of
 *    every attribute name and of its value. A string: its UTF-8 bytes; a binary: its raw bytes; a number: 1 byte per
 *    two significant digits (leading and trailing zeroes trimmed) + 1 byte; null and Boolean: 1 byte; a List or a
 *    Map: 3 bytes + the size of its elements, each element 1 byte more (a map element also counts its name); a set:
 *    the sum of its elements' sizes.
 *  - *Write units* ("Read/write capacity mode", HowItWorks.ReadWriteCapacityMode.html): one unit per 1 KB of the
 *    item written, rounded up; PutItem and UpdateItem bill the larger of the item before and after the write,
 *    DeleteItem the deleted item; a conditional write whose condition fails still bills the existing item (at
 *    least 1 unit). A transactional write (TransactWriteItems) bills 2 units per KB of each item, ConditionCheck
 *    items included ("Capacity management for transactions", transaction-apis.html).
 *  - *Index writes* ("Provisioned throughput considerations for global secondary indexes",
 *    GSI.ThroughputConsiderations.html): a write that puts an item into an index (its index keys appear) costs one
 *    index write, one that removes it (they disappear) one, one that moves the index key (A → B) two (delete and
 *    put), one that keeps the key but changes a projected attribute one; none when the item is in the index neither
 *    before nor after. Each index write bills by the size of the index entry: the table's and the index's key
 *    attributes plus the projected ones. Index writes are plain writes even when the table write is a transaction's.
 *    (The 100 bytes per index entry AWS adds are storage overhead, not counted here.)
 */

export type Item = Record<string, AttributeValue>;

/** The size of a number as stored: its significant digits (no sign, point, exponent or outer zeroes), 2 per byte, + 1. */
export function numberSize(n: string): number {
  // The exponent moves the point, not the digits: only the mantissa's significant digits count.
  const mantissa = n
    .trim()
    .replace(/^[-+]/, "")
    .replace(/[eE][-+]?\d+$/, "");
  const digits = mantissa.replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(digits.length / 2) + 1;
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const rawBytes = (b: Uint8Array | string) => (typeof b === "string" ? Buffer.from(b, "base64").length : b.length);

/** DynamoDB's size of one attribute value. */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return bytes(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return rawBytes(v.B);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + bytes(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + numberSize(s), 0);
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + rawBytes(b), 0);
  if (v.L !== undefined) return 3 + v.L.reduce((n, x) => n + 1 + valueSize(x), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((n, [k, x]) => n + 1 + bytes(k) + valueSize(x), 0);
  return 0;
}

/** DynamoDB's size of an item: attribute names plus values. */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [name, v]) => n + bytes(name) + valueSize(v), 0);
}

/** Write units of writing an item of `size` bytes (1 KB units, at least 1), twice in a transaction. */
export function writeUnits(size: number, transactional = false): number {
  return Math.max(1, Math.ceil(size / 1024)) * (transactional ? 2 : 1);
}

export interface IndexDefinition {
  name: string;
  hash: string;
  range?: string | undefined;
  projection: "ALL" | "KEYS_ONLY" | { include: string[] };
}

export interface TableDefinition {
  hash: string;
  range?: string | undefined;
  indexes: IndexDefinition[];
}

/** A write to one table item: its image before and after (undefined: absent), and whether a transaction wrote it. */
export interface ItemWrite {
  before: Item | undefined;
  after: Item | undefined;
  transactional: boolean;
  /** A ConditionCheck, or a write whose condition failed: bills the item as it is and changes nothing. */
  unchanged?: boolean;
}

export interface IndexWrite {
  index: string;
  /** The index partition key's value the write lands on. */
  partition: string;
  units: number;
}

export interface BilledWrite {
  tableUnits: number;
  indexWrites: IndexWrite[];
}

function projectionOf(item: Item, table: TableDefinition, index: IndexDefinition): Item {
  if (index.projection === "ALL") return item;
  const names = [table.hash, table.range, index.hash, index.range].filter((n): n is string => n !== undefined);
  if (index.projection !== "KEYS_ONLY") names.push(...index.projection.include);
  return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n] as AttributeValue]));
}

const inIndex = (item: Item | undefined, index: IndexDefinition) =>
  item !== undefined &&
  item[index.hash] !== undefined &&
  (index.range === undefined || item[index.range] !== undefined);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const scalar = (v: AttributeValue | undefined) => v?.S ?? v?.N ?? String(v?.B ?? "");

/** What AWS bills for one item write: the table's units and each index write. */
export function billWrite(write: ItemWrite, table: TableDefinition): BilledWrite {
  const { before, after, transactional } = write;
  const tableUnits = writeUnits(Math.max(itemSize(before), write.unchanged ? 0 : itemSize(after)), transactional);
  const indexWrites: IndexWrite[] = [];
  if (write.unchanged) return { tableUnits, indexWrites };
  for (const index of table.indexes) {
    const wasIn = inIndex(before, index);
    const isIn = inIndex(after, index);
    const put = (item: Item) =>
      indexWrites.push({
        index: index.name,
        partition: scalar(item[index.hash]),
        units: writeUnits(itemSize(projectionOf(item, table, index))),
      });
    if (wasIn && before && !isIn) put(before);
    else if (!wasIn && isIn && after) put(after);
    else if (wasIn && isIn && before && after) {
      const keyMoved =
        !same(before[index.hash], after[index.hash]) ||
        (index.range !== undefined && !same(before[index.range], after[index.range]));
      if (keyMoved) {
        put(before);
        put(after);
      } else if (!same(projectionOf(before, table, index), projectionOf(after, table, index))) {
        const larger = itemSize(projectionOf(before, table, index)) > itemSize(projectionOf(after, table, index));
        put(larger ? before : after);
      }
    }
  }
  return { tableUnits, indexWrites };
}
