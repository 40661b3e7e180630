import fc from "fast-check";
import type { RawEvent } from "./bruteForce.js";

/**
 * Random event histories for the property tests: few ids (so ties, re-adds and collisions are common), instants
 * drawn mostly from the edges that matter — exactly at (and 1 ms around) every window start T − N days, day
 * boundaries, T itself — plus anywhere in the last 100 days and long before.
 */

const DAY = 86_400_000;
const WINDOW_DAYS = [7, 14, 30, 60, 90];
const BASE_MIDNIGHT = Date.UTC(2024, 2, 15);

export interface GeneratedHistory {
  T: number;
  events: RawEvent[];
}

const instantArb = (T: number): fc.Arbitrary<number> =>
  fc
    .oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...WINDOW_DAYS), fc.constantFrom(-1, 0, 0, 1))
          .map(([n, d]) => T - n * DAY + d),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 95 }), fc.constantFrom(-1, 0, 1))
          .map(([k, d]) => Math.floor(T / DAY) * DAY - k * DAY + d),
      },
      { weight: 1, arbitrary: fc.constantFrom(T, T - 1) },
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 100 * DAY }).map((x) => T - x) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 7 * DAY }).map((x) => T - x) },
      { weight: 1, arbitrary: fc.integer({ min: 100 * DAY, max: 400 * DAY }).map((x) => T - x) },
    )
    .map((t) => Math.min(t, T));

const userId = fc.constantFrom("u0", "u1", "u2", "u3", "u4", "U5");
const orgId = fc.constantFrom("o0", "o1", "o2", "O3");
// Membership events use fewer pairs, so removals often hit a current member and members get re-added.
const memberUserId = fc.constantFrom("u0", "u1", "U5");
const memberOrgId = fc.constantFrom("o0", "O3");
const text = fc.option(fc.constantFrom("ann", "bob", "x@y.z"), { nil: null });

const eventArb = (T: number): fc.Arbitrary<RawEvent> => {
  const at = instantArb(T).map((t) => new Date(t).toISOString());
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record(
        { type: fc.constant("user.created"), occurred_at: at, user_id: userId, username: text, email: text },
        { requiredKeys: ["type", "occurred_at", "user_id"] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        { type: fc.constant("user.updated"), occurred_at: at, user_id: userId, first_name: text, last_name: text },
        { requiredKeys: ["type", "occurred_at", "user_id"] },
      ),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant("user.deleted"), occurred_at: at, user_id: userId }) },
    { weight: 8, arbitrary: fc.record({ type: fc.constant("user.active"), occurred_at: at, user_id: userId }) },
    {
      weight: 3,
      arbitrary: fc.record(
        {
          type: fc.constant("user.invited"),
          occurred_at: at,
          user_id: userId,
          invitee_email: fc.constant("friend@example.com"),
          org_id: orgId,
        },
        { requiredKeys: ["type", "occurred_at", "user_id", "invitee_email"] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant("org.created"),
        occurred_at: at,
        org_id: orgId,
        name: fc.constantFrom("Acme", "Beta"),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("org.updated"),
        occurred_at: at,
        org_id: orgId,
        name: fc.constantFrom("Gamma", "Delta"),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record(
        {
          type: fc.constant("org.member_added"),
          occurred_at: at,
          org_id: memberOrgId,
          user_id: memberUserId,
          role: fc.option(fc.constantFrom("admin", "member"), { nil: null }),
        },
        { requiredKeys: ["type", "occurred_at", "org_id", "user_id"] },
      ),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant("org.member_removed"),
        occurred_at: at,
        org_id: memberOrgId,
        user_id: memberUserId,
      }),
    },
  ) as fc.Arbitrary<RawEvent>;
};

/**
 * Activity and deletions after T, as a refresh at T meets them (events up to 5 minutes ahead, or sent while it
 * runs; any later one when `refresh --now` names an earlier instant): from the day after T's, where the last
 * activity as of T is exact (lib/reports/lastActiveAsOf.ts: within T's own hour or day it may be a lower bound).
 */
export const laterEventsArb = (T: number): fc.Arbitrary<RawEvent[]> => {
  const nextDay = Math.floor(T / DAY) * DAY + DAY;
  const at = fc
    .oneof(
      fc.constant(nextDay),
      fc.integer({ min: 0, max: 10 * DAY }).map((x) => nextDay + x),
    )
    .map((t) => new Date(t).toISOString());
  return fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ type: fc.constant("user.active"), occurred_at: at, user_id: userId }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant("user.deleted"), occurred_at: at, user_id: userId }) },
    ),
    { maxLength: 6 },
  ) as fc.Arbitrary<RawEvent[]>;
};

export const historyArb = (maxEvents: number): fc.Arbitrary<GeneratedHistory> =>
  fc
    .oneof(
      fc.constant(BASE_MIDNIGHT),
      fc.integer({ min: 1, max: 86_399 }).map((s) => BASE_MIDNIGHT + s * 1000),
    )
    .chain((T) =>
      fc.record({ T: fc.constant(T), events: fc.array(eventArb(T), { maxLength: maxEvents, size: "max" }) }),
    );
