import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, type DayPeriod } from "../../lib/dashboard/period.js";
import { activeUsersBody, newUsersBody, newUsersReadRange } from "../../lib/dashboard/responses.js";

describe("activeUsersBody", () => {
  it("lists days with users newest first, with calendar parts", () => {
    const body = activeUsersBody([
      { day: "2023-01-31", userIds: ["a"] },
      { day: "2023-02-01", userIds: ["b", "c"] },
      { day: "2023-01-15", userIds: [] },
    ]);
    expect(body).toEqual({
      month: [
        { usersList: ["b", "c"], users: 2, day: 1, month: 2, year: 2023 },
        { usersList: ["a"], users: 1, day: 31, month: 1, year: 2023 },
      ],
      success: true,
    });
  });
});

/** A reference computation of C, P, Y, E walking every day (independent of the implementation's range logic). */
function reference(counts: Map<string, number>, period: DayPeriod) {
  const at = (d: string) => counts.get(d) ?? 0;
  let c = 0;
  let p = 0;
  const days: { day: string; users: number }[] = [];
  for (let i = 0; i < period.days; i++) {
    const d = addDays(period.startDay, i);
    c += at(d);
    p += at(addDays(period.startDay, i - period.days));
    if (at(d) > 0) days.unshift({ day: `${d}T00:00:00.000Z`, users: at(d) });
  }
  const y = at(addDays(period.endDay, -1));
  const e = at(period.endDay);
  return { days, period: { count: c, variation: c - p }, yesterday: { count: y, variation: e - y }, success: true };
}

describe("newUsersBody", () => {
  const base = "2023-03-01";
  const arbitraryCase = fc.record({
    counts: fc.dictionary(
      fc.integer({ min: 0, max: 60 }).map((i) => addDays(base, i)),
      fc.integer({ min: 1, max: 5 }),
    ),
    start: fc.integer({ min: 0, max: 60 }),
    end: fc.integer({ min: 0, max: 60 }),
  });

  it("matches a day-by-day reference, including empty periods (start after end)", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ counts, start, end }) => {
        const startDay = addDays(base, start);
        const endDay = addDays(base, end);
        const period = { startDay, endDay, days: Math.max(0, end - start + 1) };
        const map = new Map(Object.entries(counts));
        const { fromDay, toDay } = newUsersReadRange(period);
        // Only what the one counter Query returns is given to the summary.
        const read = [...map].filter(([d]) => d >= fromDay && d <= toDay).map(([day, count]) => ({ day, count }));
        expect(newUsersBody(read, period)).toEqual(reference(map, period));
      }),
    );
  });

  it("gives an empty period zero counts and keeps yesterday relative to end's day", () => {
    const period = { startDay: "2023-03-10", endDay: "2023-03-05", days: 0 };
    const body = newUsersBody(
      [
        { day: "2023-03-04", count: 2 },
        { day: "2023-03-05", count: 7 },
      ],
      period,
    );
    expect(body).toEqual({
      days: [],
      period: { count: 0, variation: 0 },
      yesterday: { count: 2, variation: 5 },
      success: true,
    });
  });
});

describe("newUsersReadRange", () => {
  it("covers the previous period through end's day, and never names a day before year 0", () => {
    expect(newUsersReadRange({ startDay: "2023-05-02", endDay: "2023-05-05", days: 4 })).toEqual({
      fromDay: "2023-04-28",
      toDay: "2023-05-05",
    });
    expect(newUsersReadRange({ startDay: "2023-05-06", endDay: "2023-05-05", days: 0 })).toEqual({
      fromDay: "2023-05-04",
      toDay: "2023-05-05",
    });
    expect(newUsersReadRange({ startDay: "0000-01-01", endDay: "9999-12-31", days: 3_652_425 }).fromDay).toBe(
      "0000-01-01",
    );
  });
});
