import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/dashboard.js";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { usersByHourBody } from "../../lib/dashboard/hours.js";
import { hourCountsOfDays } from "../../lib/dashboard/storage.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { dayOf } from "../../lib/time.js";
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
 * Clock hours of days ingested live, then late (tableDesign.ts, "Clock hours counted like the days"): a day's
 * events arrive in requests whose `now` moves forward, so a day is live (today or yesterday) for some of them,
 * their hour counts moved in the users' transactions, and old for later ones, whose activity only the day set
 * members hold (and the day's generation says so). The three activity-by-hour routes must equal the brute-force
 * reference over the raw events: read once between two halves of the requests (old days derived from their
 * members, kept), then again after the second half (late events bump the generations past what was derived). The
 * counts are also read as a reader whose clock is the last request's (days too recent to keep derived counts of).
 */

const RUNS = 8;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A day end, a month end (a request's days in two generation items), and a day a month earlier. */
const ANCHORS = ["2026-03-10T22:00:00Z", "2026-02-28T23:00:00Z", "2026-02-01T05:00:00Z"].map(Date.parse);

const instantArb = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -3, max: 4 }), fc.integer({ min: 0, max: HOUR - 1 }))
  .map(([anchor, hours, ms]) => anchor + hours * HOUR + ms);

const eventArb = fc.record({
  type: fc.constantFrom("user.created", "user.active", "user.active", "user.active") as fc.Arbitrary<RefEvent["type"]>,
  user_id: fc.constantFrom("a", "b", "c", "d", "e", "f"),
  at: instantArb,
});

/** How long after its latest event a request is ingested: live (same day, next day) or late (days later). */
const delayArb = fc.constantFrom(0, HOUR, 20 * HOUR, 30 * HOUR, 3 * DAY, 12 * DAY);

const requestsArb = fc.array(fc.tuple(fc.array(eventArb, { minLength: 1, maxLength: 8 }), delayArb), {
  minLength: 2,
  maxLength: 10,
});

let store: Store;

beforeAll(async () => {
  store = await testStore();
});

const iso = (ms: number) => new Date(ms).toISOString();

async function compareRoutes(headers: Record<string, string>, acts: ReturnType<typeof activities>, at: number[]) {
  const from = Math.min(...ANCHORS) - 2 * DAY;
  const to = Math.max(...ANCHORS) + 2 * DAY;
  const windows: [number, number][] = [[from, to], ...at.map((t): [number, number] => [t - DAY, t])];
  for (const [start, end] of windows) {
    const res = await invoke(handler, {
      path: "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week",
      query: { start: iso(start), end: iso(end) },
      headers,
    });
    expect({ start: iso(start), body: res.body }).toEqual({
      start: iso(start),
      body: expectedUsersByHour(acts, start, end),
    });
  }
  for (const t of at) {
    // On an even hour (the hour counts) and in the middle of an hour (the members).
    for (const start of [Math.ceil(t / (2 * HOUR)) * 2 * HOUR, t]) {
      const hourly = await invoke(handler, {
        path: "/api/v1/engagement-dashboard/users/chat-busier/hourly-data",
        query: { start: iso(start) },
        headers,
      });
      expect({ start: iso(start), body: hourly.body }).toEqual({
        start: iso(start),
        body: expectedHourlyData(acts, start),
      });
    }
    const weekly = await invoke(handler, {
      path: "/api/v1/engagement-dashboard/users/chat-busier/weekly-data",
      query: { start: iso(t) },
      headers,
    });
    expect({ start: iso(t), body: weekly.body }).toEqual({ start: iso(t), body: expectedWeeklyData(acts, t) });
  }
}

describe("activity by hour of days ingested live, then late = brute force over the raw events", () => {
  it(`holds for ${RUNS} random histories of requests whose now moves forward`, async () => {
    await fc.assert(
      fc.asyncProperty(requestsArb, fc.array(instantArb, { minLength: 2, maxLength: 3 }), async (drawn, at) => {
        const { environment_id } = await createEnvironment(store, "late-hours");
        const token = await createUserToken(store, environment_id, "viewer");
        const headers = { "x-user-id": token.user_id, "x-auth-token": token.auth_token };
        let n = 0;
        let now = 0;
        const requests = drawn.map(([events, delay]) => {
          const request = events.map(
            (e): RefEvent => ({
              type: e.type,
              user_id: e.user_id,
              occurred_at: iso(e.at),
              event_id: `ev${n++}`,
            }),
          );
          // A server's clock: never before the last request's, never before the request's events (5 min skew).
          now = Math.max(now, ...events.map((e) => e.at)) + delay;
          return { request, now };
        });
        const half = Math.ceil(requests.length / 2);
        for (const { request, now } of requests.slice(0, half)) await ingestEvents(store, environment_id, request, now);
        await compareRoutes(headers, activities(requests.slice(0, half).flatMap((r) => r.request)), at);
        for (const { request, now } of requests.slice(half)) await ingestEvents(store, environment_id, request, now);
        const acts = activities(requests.flatMap((r) => r.request));
        await compareRoutes(headers, acts, at);
        // A reader whose clock is the last request's: its recent days are recomputed, not kept.
        const from = Math.min(...ANCHORS) - 2 * DAY;
        const to = Math.max(...ANCHORS) + 2 * DAY;
        const days = await hourCountsOfDays(store, environment_id, dayOf(from), dayOf(to), Infinity, now);
        expect(usersByHourBody(days, from, to)).toEqual(expectedUsersByHour(acts, from, to));
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
