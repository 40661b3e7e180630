import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeReports } from "../../lib/reports/compute.js";
import { countKey, REPORTS } from "../../lib/reports/definitions.js";
import type { DayActivity } from "../../lib/reports/types.js";
import { activeDaysWithin } from "../../lib/reports/windows.js";
import { aggregatesAt } from "./aggregate.js";
import { expectedReports, replay } from "./bruteForce.js";
import { historyArb } from "./histories.js";

const HISTORIES = 400;
const REPORT_INTERVALS = REPORTS.reduce((n, r) => n + r.intervals.length, 0);

describe("report computation from aggregates = brute force over the raw events", () => {
  it(`holds for ${HISTORIES} random histories, every report × interval`, () => {
    fc.assert(
      fc.property(historyArb(40), ({ T, events }) => {
        const history = replay(events);
        const expected = expectedReports(history, T);
        const computed = computeReports(aggregatesAt(history, T), "r1");
        expect(computed).toHaveLength(REPORT_INTERVALS);
        for (const { report, interval, rows } of computed) {
          const stripped = rows.map(({ id, report_id, ...rest }) => rest);
          expect(stripped, countKey(report, interval)).toEqual(expected.get(countKey(report, interval)));
          expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
          for (const row of rows) expect(row.report_id).toBe("r1");
        }
      }),
      { numRuns: HISTORIES },
    );
  });

  it("draws the edge cases often: non-empty reports, events at window edges, deletions, re-adds, ties", () => {
    // Guards the generator: a property over histories that never hit these cases would prove little.
    const samples = fc.sample(historyArb(40), { numRuns: 200, seed: 7 });
    const nonEmpty = new Map<string, number>();
    const cases = { atWindowStart: 0, deleted: 0, readded: 0, tie: 0 };
    for (const { T, events } of samples) {
      const history = replay(events);
      for (const [key, rows] of expectedReports(history, T)) {
        if (rows.length > 0) nonEmpty.set(key, (nonEmpty.get(key) ?? 0) + 1);
        const scores = rows.map((r) => JSON.stringify(r.extra_properties ?? r.last_active_at ?? null));
        if (new Set(scores).size < scores.length) cases.tie++;
      }
      if (events.some((e) => [7, 14, 30, 60, 90].some((n) => Date.parse(e.occurred_at) === T - n * 86_400_000)))
        cases.atWindowStart++;
      if ([...history.users.values()].some((u) => u.deleted_at !== undefined)) cases.deleted++;
      const pairs = history.changes.map((c) => `${c.org_id}|${c.user_id}|${c.change}`);
      if (pairs.some((p, i) => p.endsWith("|added") && pairs.slice(0, i).includes(p))) cases.readded++;
    }
    for (const key of expectedReports(replay([]), 0).keys()) expect(nonEmpty.get(key) ?? 0, key).toBeGreaterThan(20);
    for (const [name, count] of Object.entries(cases)) expect(count, name).toBeGreaterThan(20);
  });
});

describe("activeDaysWithin (day items with first/last instants) = distinct days of raw instants", () => {
  it("holds for random instants and windows of at least a day", () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10 * DAY }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 6 * DAY }),
        fc.integer({ min: DAY, max: 5 * DAY }),
        fc.boolean(),
        (raw, start, length, snap) => {
          // Windows often start on an instant or a midnight, the edge cases of the day rule.
          const a = snap && raw.length > 0 ? (raw[0] as number) : snap ? Math.floor(start / DAY) * DAY : start;
          const b = a + length;
          const byDay = new Map<string, DayActivity>();
          for (const t of raw) {
            const day = new Date(t).toISOString().slice(0, 10);
            const item = byDay.get(day) ?? { id: "x", day, min_at: t, max_at: t };
            item.min_at = Math.min(item.min_at, t);
            item.max_at = Math.max(item.max_at, t);
            byDay.set(day, item);
          }
          const expected = new Set(raw.filter((t) => a <= t && t < b).map((t) => Math.floor(t / DAY))).size;
          expect(activeDaysWithin([...byDay.values()], a, b)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
