import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addToCurveTally,
  CURVE_CADENCES,
  type CurveEntity,
  type CurveSubject,
  CurvesAccumulator,
  curveBuckets,
  curveName,
  emptyCurveTally,
  mergeTallies,
} from "../../lib/reports/curves.js";
import { dayOf } from "../../lib/time.js";
import { type History, replay } from "./bruteForce.js";
import { curveHistoryArb } from "./curveHistories.js";
import { referenceLifecycle, referenceRetention, referenceStickiness } from "./curvesBruteForce.js";

/**
 * curves.ts (from day items: first / last instant of each active day, as the refresh feeds it) against the brute
 * force over every raw instant, for random histories around the bucket edges.
 */

function subjectsOf(h: History, entity: CurveEntity): CurveSubject[] {
  const all = entity === "users" ? [...h.users.values()] : [...h.orgs.values()];
  return all.map((s) => {
    const days = new Map<string, { day: string; min_at: number; max_at: number }>();
    for (const t of s.activity) {
      const d = days.get(dayOf(t));
      days.set(dayOf(t), { day: dayOf(t), min_at: Math.min(d?.min_at ?? t, t), max_at: Math.max(d?.max_at ?? t, t) });
    }
    const deleted = "deleted_at" in s && s.deleted_at !== undefined ? { deletedAt: s.deleted_at } : {};
    return { createdAt: s.created_at, ...deleted, days: [...days.values()] };
  });
}

describe("retention, lifecycle and stickiness = brute force over the raw instants", () => {
  it("holds for random histories (both entities, every cadence and interval)", () => {
    fc.assert(
      fc.property(curveHistoryArb(40), ({ T, events }) => {
        const h = replay(events);
        for (const entity of ["users", "orgs"] as const) {
          const acc = new CurvesAccumulator(entity, T);
          for (const s of subjectsOf(h, entity)) acc.add(s);
          const bodies = acc.bodies();
          for (const cadence of CURVE_CADENCES) {
            expect(bodies.get(curveName("retention", cadence))).toEqual(referenceRetention(h, entity, cadence, T));
            expect(bodies.get(curveName("lifecycle", cadence))).toEqual(referenceLifecycle(h, entity, cadence, T));
          }
          expect(bodies.get(curveName("stickiness", "7"))).toEqual(referenceStickiness(h, entity, 7, T));
          expect(bodies.get(curveName("stickiness", "30"))).toEqual(referenceStickiness(h, entity, 30, T));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("merges partial tallies of disjoint entities into the whole's", () => {
    fc.assert(
      fc.property(curveHistoryArb(30), fc.integer({ min: 0, max: 10 }), ({ T, events }, cut) => {
        const subjects = subjectsOf(replay(events), "users");
        for (const cadence of CURVE_CADENCES) {
          const whole = emptyCurveTally(cadence);
          const [a, b] = [emptyCurveTally(cadence), emptyCurveTally(cadence)];
          subjects.forEach((s, i) => {
            addToCurveTally(whole, cadence, T, s);
            addToCurveTally(i < cut ? a : b, cadence, T, s);
          });
          expect(mergeTallies(a, b)).toEqual(whole);
        }
      }),
    );
  });
});

describe("bucket edges", () => {
  const at = (s: string) => Date.parse(s);

  it("dates an ISO week across a year end by its Monday, and months by their 1st", () => {
    const T = at("2025-01-01T12:00:00Z");
    const weeks = curveBuckets("Weekly", T).starts.map(dayOf);
    expect(weeks.at(-2)).toBe("2024-12-30");
    expect(weeks.slice(0, 2)).toEqual(["2024-10-07", "2024-10-14"]); // P of the first, the first of 12
    expect(curveBuckets("Monthly", at("2024-03-31T23:59:59Z")).starts.map(dayOf).slice(-3)).toEqual([
      "2024-02-01",
      "2024-03-01",
      "2024-04-01",
    ]);
  });

  it("ends the bucket holding T at T: activity at T or later, and T's day at 00:00:00, count nothing", () => {
    const T = at("2024-02-29T00:00:00Z");
    const acc = new CurvesAccumulator("users", T);
    acc.add({ createdAt: at("2024-02-28T23:59:59.999Z"), days: [] });
    acc.add({ createdAt: T, days: [] });
    acc.add({ createdAt: at("2024-02-01T00:00:00Z"), days: [{ day: "2024-02-29", min_at: T, max_at: T + 5 }] });
    const daily = acc.bodies().get(curveName("retention", "Daily")) as { cohorts: { cohort: string; size: number }[] };
    expect(daily.cohorts.at(-1)).toEqual({ cohort: "2024-02-29", size: 0, retained: [0] });
    expect(daily.cohorts.at(-2)).toEqual({ cohort: "2024-02-28", size: 1, retained: [1, 0] });
    expect(acc.bodies().get(curveName("stickiness", "7"))).toMatchObject({ active: 1, days: { length: 7 } });
  });
});
