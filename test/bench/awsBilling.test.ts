import { describe, expect, it } from "vitest";
import {
  billWrite,
  type Item,
  itemSize,
  numberSize,
  type TableDefinition,
  valueSize,
  writeUnits,
} from "../../scripts/bench/awsBilling.js";

// The rules of the Amazon DynamoDB Developer Guide ("DynamoDB item sizes and formats", "Read/write capacity mode",
// "Provisioned throughput considerations for global secondary indexes"), one case each.

const S = (s: string) => ({ S: s });
const N = (n: string) => ({ N: n });

describe("item size", () => {
  it("a string is its UTF-8 bytes, plus its name's", () => {
    expect(itemSize({ name: S("Hello") })).toBe(4 + 5);
    expect(itemSize({ é: S("日本") })).toBe(2 + 6);
  });

  it("a number is one byte per two significant digits plus one, zeroes at either end trimmed", () => {
    expect(numberSize("7")).toBe(2);
    expect(numberSize("123")).toBe(3);
    expect(numberSize("-1234")).toBe(3);
    expect(numberSize("1000")).toBe(2);
    expect(numberSize("0.000123")).toBe(3);
    expect(numberSize("1.5E+30")).toBe(2);
    expect(numberSize("1764876123456")).toBe(8);
  });

  it("null and Boolean are one byte; a set the sum of its elements", () => {
    expect(valueSize({ NULL: true })).toBe(1);
    expect(valueSize({ BOOL: false })).toBe(1);
    expect(valueSize({ SS: ["ab", "cde"] })).toBe(5);
    expect(valueSize({ NS: ["12", "3456"] })).toBe(2 + 3);
  });

  it("a list or map is 3 bytes, plus 1 per element and its size (a map element also its name)", () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [S("a"), S("bc")] })).toBe(3 + (1 + 1) + (1 + 2));
    expect(itemSize({ m: { M: { a: S("b"), n: N("12") } } })).toBe(1 + 3 + (1 + 1 + 1) + (1 + 1 + 2));
  });
});

describe("write units", () => {
  it("one unit per KB started, at least one; twice in a transaction", () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(3.5 * 1024)).toBe(4);
    expect(writeUnits(3.5 * 1024, true)).toBe(8);
  });
});

const padded = (bytes: number, extra: Item = {}): Item => {
  const base: Item = { pk: S("p"), sk: S("s"), ...extra };
  return { ...base, pad: S("x".repeat(bytes - itemSize(base) - 3)) };
};

const table: TableDefinition = {
  hash: "pk",
  range: "sk",
  indexes: [
    { name: "all", hash: "g1", range: "g1s", projection: "ALL" },
    { name: "keys", hash: "g2", range: "g2s", projection: "KEYS_ONLY" },
  ],
};

describe("billing one write", () => {
  it("an update bills the larger of the item before and after; a delete the item deleted", () => {
    const big = padded(3000);
    const small = padded(500);
    expect(itemSize(big)).toBe(3000);
    expect(billWrite({ before: big, after: small, transactional: false }, table).tableUnits).toBe(3);
    expect(billWrite({ before: small, after: big, transactional: true }, table).tableUnits).toBe(6);
    expect(billWrite({ before: big, after: undefined, transactional: false }, table).tableUnits).toBe(3);
  });

  it("a failed condition or a condition check bills the item as it stands", () => {
    const big = padded(2100);
    expect(billWrite({ before: big, after: big, transactional: true, unchanged: true }, table)).toEqual({
      tableUnits: 6,
      indexWrites: [],
    });
    expect(billWrite({ before: undefined, after: undefined, transactional: false, unchanged: true }, table)).toEqual({
      tableUnits: 1,
      indexWrites: [],
    });
  });

  it("an index write when the item enters or leaves the index, two when its key moves, sized by the projection", () => {
    const keysOnly = { g2: S("E#1#LA#U"), g2s: S("2026-01-01T00:00:00.000Z#u1") };
    const inAll = { g1: S("E#1#USERS"), g1s: S("2025#u1") };
    const before = padded(5000, { ...inAll, ...keysOnly });
    const moved = { ...before, g2s: S("2026-01-02T00:00:00.000Z#u1") };
    // Moving the keys-only index's key: delete and put there (1 unit each, keys are small); the ALL index sees a
    // projected attribute change: one write of the whole (5 KB) item.
    expect(billWrite({ before, after: moved, transactional: true }, table).indexWrites).toEqual([
      { index: "all", partition: "E#1#USERS", units: 5 },
      { index: "keys", partition: "E#1#LA#U", units: 1 },
      { index: "keys", partition: "E#1#LA#U", units: 1 },
    ]);
    // A non-key attribute only: the ALL index writes, the keys-only one doesn't.
    const touched = { ...before, pad: S(`${(before.pad as { S: string }).S.slice(1)}y`) };
    expect(billWrite({ before, after: touched, transactional: false }, table).indexWrites).toEqual([
      { index: "all", partition: "E#1#USERS", units: 5 },
    ]);
    // Leaving both indexes (keys removed): one write each.
    const gone = padded(800);
    expect(billWrite({ before, after: gone, transactional: false }, table).indexWrites.map((w) => w.index)).toEqual([
      "all",
      "keys",
    ]);
    // In neither index: nothing.
    expect(billWrite({ before: gone, after: padded(900), transactional: false }, table).indexWrites).toEqual([]);
  });
});
