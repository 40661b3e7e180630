import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { activeDayStarts, hasDay, withDays } from "../../lib/ingest/activeDays.js";

/** activeDayStarts (the refresh's fast read of a calendar) = the days hasDay reports, over leap years and year ends. */

const DAY = 86_400_000;
const FROM = Date.UTC(2023, 10, 1);
const TO = Date.UTC(2025, 2, 1);

describe("activeDayStarts", () => {
  it("lists exactly the calendar's days within [from, to), ascending", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: FROM - 40 * DAY, max: TO + 40 * DAY }), { maxLength: 40 }),
        fc.integer({ min: FROM, max: TO }),
        fc.integer({ min: 0, max: 500 }),
        (instants, from, span) => {
          const days = withDays(undefined, instants);
          const a = Math.floor(from / DAY) * DAY;
          const b = a + span * DAY;
          const expected: number[] = [];
          for (let t = a; t < b; t += DAY) if (hasDay(days, t)) expected.push(t);
          expect(activeDayStarts(days, a, b)).toEqual(expected);
        },
      ),
    );
  });

  it("reads a leap day and the last day of a leap year", () => {
    const days = withDays(undefined, [Date.UTC(2024, 1, 29, 12), Date.UTC(2024, 11, 31, 23)]);
    expect(activeDayStarts(days, Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1))).toEqual([
      Date.UTC(2024, 1, 29),
      Date.UTC(2024, 11, 31),
    ]);
  });
});
