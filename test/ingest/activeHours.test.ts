import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { enteredHours, hasHour, withHours } from "../../lib/ingest/activeHours.js";

/**
 * A user's hour calendar (lib/ingest/activeHours.ts) against plain sets of clock hours: what a batch enters (the
 * hour counters' +1s) is exactly its hours and two-hour groups the user did not hold, whatever the order batches
 * come in, across day and year ends.
 */

const HOUR = 3_600_000;
const instant = fc.integer({ min: Date.parse("2023-12-30T00:00:00Z"), max: Date.parse("2024-01-02T23:59:59Z") });
const hourKey = (ms: number) => new Date(Math.floor(ms / HOUR) * HOUR).toISOString().slice(0, 13);
const groupKey = (ms: number) => {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} g${String(d.getUTCHours() - (d.getUTCHours() % 2)).padStart(2, "0")}`;
};

describe("hour calendar", () => {
  it("enters each hour and group of a batch once, never one held before, in any order of batches", () => {
    fc.assert(
      fc.property(fc.array(fc.array(instant, { maxLength: 6 }), { maxLength: 6 }), (batches) => {
        let calendar: Record<string, string> | undefined;
        const hours = new Set<string>();
        const groups = new Set<string>();
        for (const batch of batches) {
          const entered = enteredHours(calendar, batch).flatMap(({ day, attributes }) =>
            attributes.map((a) => (a.startsWith("h") ? `${day}T${a.slice(1)}` : `${day} ${a}`)),
          );
          const expected = [
            ...new Set(batch.map(hourKey).filter((h) => !hours.has(h))),
            ...new Set(batch.map(groupKey).filter((g) => !groups.has(g))),
          ];
          expect(entered.sort()).toEqual(expected.sort());
          for (const ms of batch) {
            hours.add(hourKey(ms));
            groups.add(groupKey(ms));
          }
          calendar = batch.length > 0 ? withHours(calendar, batch) : calendar;
          for (const ms of batch) expect(hasHour(calendar, ms)).toBe(true);
        }
      }),
    );
  });

  it("is the same whatever order its instants were added in (it compares by JSON), ≈ 7 characters per active day", () => {
    const instants = [
      "2024-01-01T10:05:00Z",
      "2023-12-31T23:59:59.999Z",
      "2024-01-01T10:59:00Z",
      "2024-03-01T00:00:00Z",
    ];
    const ms = instants.map(Date.parse);
    const forward = withHours(undefined, ms);
    const backward = withHours(withHours(undefined, ms.slice(2).reverse()), ms.slice(0, 2).reverse());
    expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
    expect(Object.keys(forward)).toEqual(["2023", "2024"]);
    // 2023: one day (8 base64 characters for 5 bytes); 2024: two days (10 bytes: 16 characters).
    expect(Object.values(forward).map((text) => text.length)).toEqual([8, 16]);
    expect(hasHour(forward, Date.parse("2024-01-01T11:00:00Z"))).toBe(false);
  });
});
