import { describe, expect, it } from "vitest";
import { byCounterLocality, type EntityWrite } from "../../lib/ingest/writeEntities.js";

const counter = (pk: string, sk: string) => ({ counter: { table: "t", key: { pk, sk }, attribute: "n" }, delta: 1 });
const write = (name: string, ...counters: ReturnType<typeof counter>[]): EntityWrite => ({
  items: [{ Put: { TableName: "t", Item: { pk: name, sk: "USER" } } }],
  counters,
});
const names = (writes: EntityWrite[]) => writes.map((w) => w.items[0]?.Put?.Item?.pk);

describe("the order entity writes are packed in (writeEntities.ts byCounterLocality)", () => {
  it("orders writes by the earliest counter item each moves, months, days and hours alike", () => {
    const writes = [
      write("late", counter("E#e#CNT", "2026-03"), counter("E#e#LAH", "2026-04-01T10")),
      write("early", counter("E#e#CNT", "2024-11"), counter("E#e", "COUNT#users")),
      write("middle", counter("E#e#LAH", "2025-06-02T03"), counter("E#e#CNT", "2025-07")),
      write("middle-day", counter("E#e#HC", "2025-06-02")),
    ];
    expect(names(byCounterLocality(writes))).toEqual(["early", "middle-day", "middle", "late"]);
  });

  it("keeps writes with the same earliest item, and writes without counters, in the order they came", () => {
    const writes = [
      write("b", counter("E#e#CNT", "2025-01")),
      write("none"),
      write("a", counter("E#e#CNT", "2025-01")),
      write("c", counter("E#e#CNT", "2025-01"), counter("E#e#CNT", "2025-02")),
    ];
    expect(names(byCounterLocality(writes))).toEqual(["none", "b", "a", "c"]);
  });
});
