import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketCount, listBuckets } from "../../lib/charts/buckets.js";
import type { Cadence } from "../../lib/storage/tableDesign.js";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** ISO week `YYYY-Www` by the Thursday rule, independent of lib/time.ts. */
function isoWeek(day: string): string {
  const t = ms(day);
  const weekday = new Date(t).getUTCDay() || 7;
  const thursday = new Date(t + (4 - weekday) * DAY);
  const year = thursday.getUTCFullYear();
  const start = new Date(0);
  start.setUTCFullYear(year, 0, 1);
  return `${year}-W${Math.floor((thursday.getTime() - start.getTime()) / (7 * DAY)) + 1}`;
}

const dayArb = fc
  .oneof(
    fc.integer({ min: ms("2019-01-01") / DAY, max: ms("2030-12-31") / DAY }),
    fc.integer({ min: 0, max: ms("9999-11-30") / DAY }),
  )
  .map((d) => iso(d * DAY));

describe("chart buckets", () => {
  it.each([
    ["2020-12-31", "week", "2020-12-28", "2021-01-04"],
    ["2021-01-03", "week", "2020-12-28", "2021-01-04"],
    ["2021-01-04", "week", "2021-01-04", "2021-01-11"],
    ["2027-01-03", "week", "2026-12-28", "2027-01-04"],
    ["2026-12-28", "week", "2026-12-28", "2027-01-04"],
    ["2024-02-29", "month", "2024-02-01", "2024-03-01"],
    ["2024-02-29", "day", "2024-02-29", "2024-03-01"],
    ["2023-12-31", "month", "2023-12-01", "2024-01-01"],
  ] as const)("%s in its %s bucket starting %s, ending %s", (day, cadence, start, end) => {
    const [bucket] = listBuckets(day, day, cadence);
    expect(bucket).toEqual({
      id: cadence === "month" ? start.slice(0, 7) : start,
      date: start,
      startMs: ms(start),
      endMs: ms(end),
    });
  });

  it("2020-12-31 is in 2020-W53 (the reference calendar agrees)", () => {
    expect(isoWeek("2020-12-31")).toBe("2020-W53");
    expect(isoWeek("2021-01-03")).toBe("2020-W53");
    expect(isoWeek("2027-01-03")).toBe("2026-W53");
  });

  it("the last month of year 9999 ends at the start of year 10000", () => {
    expect(listBuckets("9999-12-31", "9999-12-31", "month")[0]?.endMs).toBe(Date.parse("+010000-01-01T00:00:00Z"));
  });

  it("buckets tile the period: contiguous, from the one holding the start to the one holding the end", () => {
    fc.assert(
      fc.property(
        dayArb,
        fc.integer({ min: 0, max: 800 }),
        fc.constantFrom<Cadence>("day", "week", "month"),
        (from, length, cadence) => {
          const toMs = ms(from) + length * (cadence === "day" ? 1 : cadence === "week" ? 3 : 20) * DAY;
          fc.pre(toMs <= ms("9999-11-30"));
          const to = iso(toMs);
          const buckets = listBuckets(from, to, cadence);
          expect(bucketCount(from, to, cadence)).toBe(buckets.length);
          const first = buckets[0];
          const last = buckets.at(-1);
          expect(first && first.startMs <= ms(from) && ms(from) < first.endMs).toBe(true);
          expect(last && last.startMs <= ms(to) && ms(to) < last.endMs).toBe(true);
          buckets.forEach((b, i) => {
            expect(b.date).toBe(iso(b.startMs));
            if (i > 0) expect(b.startMs).toBe(buckets[i - 1]?.endMs);
            const days = Math.round((b.endMs - b.startMs) / DAY);
            if (cadence === "day") expect(days).toBe(1);
            if (cadence === "week") {
              expect(new Date(b.startMs).getUTCDay()).toBe(1);
              expect(days).toBe(7);
              // Every day of the bucket is in one ISO week, and the days around it are not.
              expect(new Set([0, 6].map((d) => isoWeek(iso(b.startMs + d * DAY)))).size).toBe(1);
              expect(isoWeek(iso(b.startMs - DAY))).not.toBe(isoWeek(iso(b.startMs)));
            }
            if (cadence === "month") {
              expect(b.date.slice(8)).toBe("01");
              expect(b.id).toBe(b.date.slice(0, 7));
              expect(iso(b.endMs - DAY).slice(0, 7)).toBe(b.id);
              expect(iso(b.endMs).slice(8)).toBe("01");
            } else expect(b.id).toBe(b.date);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("no buckets when the start is after the end", () => {
    expect(listBuckets("2024-01-02", "2024-01-01", "month")).toEqual([]);
    expect(bucketCount("2024-01-02", "2024-01-01", "month")).toBe(0);
  });
});
