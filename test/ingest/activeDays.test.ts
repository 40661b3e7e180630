import { describe, expect, it } from "vitest";
import { enteredBuckets, hasDay, withDays } from "../../lib/ingest/activeDays.js";

const t = (iso: string) => Date.parse(iso);
const entered = (before: string[], instants: string[]) =>
  enteredBuckets(withDays(undefined, before.map(t)), instants.map(t))
    .map(({ cadence, bucket }) => `${cadence} ${bucket}`)
    .sort();

describe("a calendar of active days", () => {
  it("holds the days added, across years and leap days, and compares equal whatever the order of additions", () => {
    const days = ["2024-02-29T10:00:00Z", "2023-12-31T23:59:59Z", "2024-01-01T00:00:00Z", "2024-12-31T12:00:00Z"];
    const calendar = withDays(undefined, days.map(t));
    for (const d of days) expect(hasDay(calendar, t(d))).toBe(true);
    expect(hasDay(calendar, t("2024-03-01T00:00:00Z"))).toBe(false);
    expect(hasDay(calendar, t("2023-12-30T00:00:00Z"))).toBe(false);
    expect(JSON.stringify(withDays(undefined, [...days].reverse().map(t)))).toBe(JSON.stringify(calendar));
    expect(Object.keys(calendar)).toEqual(["2023", "2024"]);
  });

  it("enters a day, its ISO week and its month only when none of their days was active before", () => {
    // Nothing before: day, week (Monday 2026-01-05) and month.
    expect(entered([], ["2026-01-07T10:00:00Z"])).toEqual(["day 2026-01-07", "month 2026-01", "week 2026-01-05"]);
    // Active on the Monday of that week: a new day only.
    expect(entered(["2026-01-05T08:00:00Z"], ["2026-01-07T10:00:00Z"])).toEqual(["day 2026-01-07"]);
    // The same day again: nothing.
    expect(entered(["2026-01-07T01:00:00Z"], ["2026-01-07T23:00:00Z"])).toEqual([]);
    // Active in the month but another week: day and week.
    expect(entered(["2026-01-20T08:00:00Z"], ["2026-01-07T10:00:00Z"])).toEqual(["day 2026-01-07", "week 2026-01-05"]);
  });

  it("reads a week across a year end from both years' bitmaps", () => {
    // ISO week of Monday 2025-12-29 runs to Sunday 2026-01-04.
    expect(entered(["2025-12-30T08:00:00Z"], ["2026-01-02T10:00:00Z"])).toEqual(["day 2026-01-02", "month 2026-01"]);
    expect(entered(["2026-01-04T08:00:00Z"], ["2025-12-29T10:00:00Z"])).toEqual(["day 2025-12-29", "month 2025-12"]);
    expect(entered(["2025-12-28T08:00:00Z"], ["2025-12-29T10:00:00Z"])).toEqual(["day 2025-12-29", "week 2025-12-29"]);
  });

  it("counts several days of one batch into one week and month once", () => {
    expect(entered([], ["2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z"])).toEqual([
      "day 2026-03-02",
      "day 2026-03-03",
      "month 2026-03",
      "week 2026-03-02",
    ]);
  });
});
