import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/dashboard.js";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";
import {
  activities,
  expectedHourlyData,
  expectedUsersByHour,
  expectedWeeklyData,
  type RefEvent,
} from "./hoursReference.js";

/**
 * The three activity-by-hour routes (CONTRACT §10) after real ingestion, against the brute-force reference over the
 * raw events, for random histories: instants clustered around hour, day, month and year ends (to the millisecond),
 * users created implicitly, backdated, deleted; requests delivered out of time order, some twice (a retry with the
 * same event ids), some split; `start` / `end` anywhere, in the middle of an hour included.
 */

const RUNS = 12;
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.parse("2026-06-01T00:00:00Z");
/** Edges: a year's, a month's (31 → 1), February's end, and an ordinary day's. */
const ANCHORS = ["2025-12-31T22:00:00Z", "2026-01-31T23:00:00Z", "2026-02-28T21:00:00Z", "2026-03-10T11:00:00Z"].map(
  Date.parse,
);

const instantArb = fc
  .tuple(
    fc.constantFrom(...ANCHORS),
    fc.integer({ min: -3, max: 4 }), // hours from the anchor
    fc.oneof(fc.constantFrom(0, 1, 59 * MIN + 59_999, HOUR - 1, 30 * MIN), fc.integer({ min: 0, max: HOUR - 1 })),
  )
  .map(([anchor, hours, ms]) => anchor + hours * HOUR + ms);

const eventArb = fc.record({
  type: fc.constantFrom("user.created", "user.active", "user.active", "user.active", "user.deleted") as fc.Arbitrary<
    RefEvent["type"]
  >,
  user_id: fc.constantFrom("a", "b", "c", "d", "e"),
  at: instantArb,
});

const historyArb = fc.array(eventArb, { minLength: 1, maxLength: 30 }).map((list) =>
  list.map(
    (e, i): RefEvent => ({
      type: e.type,
      user_id: e.user_id,
      occurred_at: new Date(e.at).toISOString(),
      event_id: `ev${i}`,
    }),
  ),
);

/** A query instant: near the data, on or off the hour. */
const queryArb = fc
  .tuple(instantArb, fc.constantFrom(0, -1, 1, 17 * MIN, -24 * HOUR, 24 * HOUR, 7 * 24 * HOUR))
  .map(([at, shift]) => at + shift);

let store: Store;

beforeAll(async () => {
  store = await testStore();
});

describe("activity by hour after ingestion = brute force over the raw events", () => {
  it(`holds for ${RUNS} random histories, with retries and out-of-order requests`, async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.array(fc.tuple(queryArb, queryArb), { minLength: 3, maxLength: 6 }),
        async (events, chunks, retryFirst, queries) => {
          const { environment_id } = await createEnvironment(store, "hours-prop");
          const token = await createUserToken(store, environment_id, "viewer");
          const headers = { "x-user-id": token.user_id, "x-auth-token": token.auth_token };
          const size = Math.ceil(events.length / chunks);
          const requests: RefEvent[][] = [];
          for (let i = 0; i < events.length; i += size) requests.push(events.slice(i, i + size));
          // A retry: the first request delivered again (duplicates, nothing counted twice).
          if (retryFirst) requests.push(requests[0] as RefEvent[]);
          for (const request of requests) await ingestEvents(store, environment_id, request, NOW);
          const acts = activities(requests.flat());

          for (const [a, b] of queries) {
            const [start, end] = a <= b ? [a, b] : [b, a];
            const iso = (ms: number) => new Date(ms).toISOString();
            const byHour = await invoke(handler, {
              path: "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week",
              query: { start: iso(start), end: iso(end) },
              headers,
            });
            expect({ start: iso(start), end: iso(end), body: byHour.body }).toEqual({
              start: iso(start),
              end: iso(end),
              body: expectedUsersByHour(acts, start, end),
            });
            const hourly = await invoke(handler, {
              path: "/api/v1/engagement-dashboard/users/chat-busier/hourly-data",
              query: { start: iso(a) },
              headers,
            });
            expect({ start: iso(a), body: hourly.body }).toEqual({ start: iso(a), body: expectedHourlyData(acts, a) });
            const weekly = await invoke(handler, {
              path: "/api/v1/engagement-dashboard/users/chat-busier/weekly-data",
              query: { start: iso(b) },
              headers,
            });
            expect({ start: iso(b), body: weekly.body }).toEqual({ start: iso(b), body: expectedWeeklyData(acts, b) });
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
