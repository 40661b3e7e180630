import fc from "fast-check";
import type { RawEvent } from "./bruteForce.js";
import { referenceBuckets } from "./curvesBruteForce.js";

/**
 * Random histories for retention, lifecycle and stickiness: T at 00:00:00 or inside a day, on dates whose buckets
 * cross an ISO week over a year end, month ends of 28 to 31 days and a leap day; instants drawn mostly at (and
 * 1 ms around) the bucket starts of every cadence and the stickiness windows' starts, and a few after T (which must
 * not count). Few ids, so creations, deletions and implicit creations (by any event) collide.
 */

const DAY = 86_400_000;
const DATES = [
  Date.UTC(2025, 0, 1), // a Wednesday: its ISO week began 2024-12-30
  Date.UTC(2024, 2, 1), // the day after a leap day
  Date.UTC(2024, 1, 29), // a leap day
  Date.UTC(2026, 0, 4), // a Sunday ending the first ISO week of 2026
  Date.UTC(2025, 11, 31),
  Date.UTC(2026, 11, 4),
];

export interface CurveHistory {
  T: number;
  events: RawEvent[];
}

const instantArb = (T: number): fc.Arbitrary<number> => {
  const edges = (["Daily", "Weekly", "Monthly"] as const).flatMap((c) => referenceBuckets(c, T).map(([a]) => a));
  edges.push(T - 7 * DAY, T - 30 * DAY, T, Math.floor(T / DAY) * DAY);
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...edges), fc.constantFrom(-1, 0, 0, 1)).map(([e, d]) => e + d) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 400 * DAY }).map((x) => T - x) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 35 * DAY }).map((x) => T - x) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 * 3_600_000 }).map((x) => T + x) },
  );
};

const userId = fc.constantFrom("u0", "u1", "u2", "u3", "U4");
const orgId = fc.constantFrom("o0", "o1", "O2");

const eventArb = (T: number): fc.Arbitrary<RawEvent> => {
  const at = instantArb(T).map((t) => new Date(t).toISOString());
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ type: fc.constant("user.created"), occurred_at: at, user_id: userId }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant("user.deleted"), occurred_at: at, user_id: userId }) },
    { weight: 8, arbitrary: fc.record({ type: fc.constant("user.active"), occurred_at: at, user_id: userId }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("user.invited"),
        occurred_at: at,
        user_id: userId,
        invitee_email: fc.constant("friend@example.com"),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant("org.created"),
        occurred_at: at,
        org_id: orgId,
        name: fc.constant("A"),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ type: fc.constant("org.member_added"), occurred_at: at, org_id: orgId, user_id: userId }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("org.member_removed"),
        occurred_at: at,
        org_id: orgId,
        user_id: userId,
      }),
    },
  ) as fc.Arbitrary<RawEvent>;
};

export const curveHistoryArb = (maxEvents: number): fc.Arbitrary<CurveHistory> =>
  fc
    .tuple(fc.constantFrom(...DATES), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 86_399 })))
    .map(([date, s]) => date + s * 1000)
    .chain((T) => fc.record({ T: fc.constant(T), events: fc.array(eventArb(T), { maxLength: maxEvents }) }));
