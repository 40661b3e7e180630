import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { activeDays, REENGAGEMENT, returnedIn, tallyDay, WINDOW_DAYS } from "../../lib/reports/activityTally.js";
import { intervalMs } from "../../lib/reports/definitions.js";
import type { DayActivity } from "../../lib/reports/types.js";
import { activeDaysWithin, activeWithin } from "../../lib/reports/windows.js";
import { DAY_MS, dayOf, dayStart } from "../../lib/time.js";

/** The packed tally against the windows' own functions over the same day items. */

const T = Date.UTC(2026, 10, 25, 13, 17, 5);

const dayItemsArb = fc.uniqueArray(fc.integer({ min: 0, max: 92 }), { maxLength: 93 }).chain((daysAgo) =>
  fc.tuple(
    ...daysAgo.map((ago) => {
      const day = dayOf(T - ago * DAY_MS);
      const start = dayStart(day);
      return fc
        .tuple(fc.integer({ min: 0, max: DAY_MS - 1 }), fc.integer({ min: 0, max: DAY_MS - 1 }))
        .map(
          ([a, b]): DayActivity => ({ id: "x", day, min_at: start + Math.min(a, b), max_at: start + Math.max(a, b) }),
        );
    }),
  ),
);

describe("packed activity tally", () => {
  it("counts active days per window and the reengagement bits exactly as the day items say", () => {
    fc.assert(
      fc.property(dayItemsArb, (items) => {
        const tally = items.reduce((t, item) => tallyDay(t, item, T, true), 0);
        WINDOW_DAYS.forEach((n, i) => {
          expect(activeDays(tally, i)).toBe(activeDaysWithin(items, T - intervalMs(n), T));
        });
        REENGAGEMENT.forEach((p, i) => {
          const n = intervalMs(p);
          expect(returnedIn(tally, i)).toBe(activeWithin(items, T - n, T) && !activeWithin(items, T - 2 * n, T - n));
        });
      }),
      { numRuns: 300 },
    );
  });

  it("holds 90 active days in a window without spilling into the next", () => {
    const items = Array.from({ length: 90 }, (_, ago): DayActivity => {
      const day = dayOf(T - ago * DAY_MS);
      return { id: "x", day, min_at: dayStart(day), max_at: dayStart(day) };
    });
    const tally = items.reduce((t, item) => tallyDay(t, item, T, true), 0);
    expect([0, 1, 2].map((i) => activeDays(tally, i))).toEqual([30, 60, 90]);
  });
});
