import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, dayInstant, dayParts, periodOf, previousPeriod } from "../../lib/dashboard/period.js";

const day = (iso: string) => Date.parse(iso);

describe("periodOf", () => {
  it("spans start's UTC day through end's UTC day, inclusive", () => {
    expect(periodOf(day("2023-05-01T23:59:59.999Z"), day("2023-05-02T00:00:00.000Z"))).toEqual({
      startDay: "2023-05-01",
      endDay: "2023-05-02",
      days: 2,
    });
    expect(periodOf(day("2023-05-02T00:00:00.000Z"), day("2023-05-02T23:59:59.999Z"))).toEqual({
      startDay: "2023-05-02",
      endDay: "2023-05-02",
      days: 1,
    });
  });

  it("is empty when start is after end, on the same day too (CONTRACT §4: compared as instants)", () => {
    expect(periodOf(day("2023-05-03T00:00:00Z"), day("2023-05-02T23:59:59.999Z")).days).toBe(0);
    expect(periodOf(day("2023-05-02T23:00:00Z"), day("2023-05-02T01:00:00Z")).days).toBe(0);
    expect(periodOf(day("2023-05-02T10:00:00.001Z"), day("2023-05-02T10:00:00.000Z")).days).toBe(0);
    expect(periodOf(day("2023-05-02T10:00:00.000Z"), day("2023-05-02T10:00:00.000Z")).days).toBe(1);
  });

  it("counts the days a day-by-day walk counts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: day("2000-01-01T00:00:00Z"), max: day("2040-01-01T00:00:00Z") }),
        fc.integer({ min: 0, max: 800 * 86_400_000 }),
        (start, span) => {
          const period = periodOf(start, start + span);
          let walked = 0;
          for (let d = period.startDay; d <= period.endDay; d = addDays(d, 1)) walked++;
          expect(period.days).toBe(walked);
        },
      ),
    );
  });
});

describe("previousPeriod", () => {
  it("is the same number of days just before", () => {
    expect(previousPeriod({ startDay: "2024-03-01", endDay: "2024-03-03", days: 3 })).toEqual({
      startDay: "2024-02-27",
      endDay: "2024-02-29",
      days: 3,
    });
  });
});

describe("day shapes", () => {
  it("splits a day into 1-based month parts and its start instant", () => {
    expect(dayParts("2023-05-05")).toEqual({ day: 5, month: 5, year: 2023 });
    expect(dayParts("2023-12-31")).toEqual({ day: 31, month: 12, year: 2023 });
    expect(dayInstant("2023-05-23")).toBe("2023-05-23T00:00:00.000Z");
  });
});
