import fc from "fast-check";
import type { ChartParams, RawEvent } from "./reference.js";

/**
 * Random histories and chart queries for the property tests. Instants cluster on the calendar's awkward places:
 * ISO weeks across year ends (2020-W53; the week of Monday 2026-12-28), 29 February 2024, month ends, and the
 * exact midnight / last millisecond of a day.
 */

const DAY = 86_400_000;
const ANCHOR_DAYS = [
  "2020-12-27",
  "2020-12-31",
  "2021-01-03",
  "2021-01-04",
  "2024-02-28",
  "2024-02-29",
  "2024-03-01",
  "2025-01-31",
  "2025-04-30",
  "2025-06-30",
  "2026-12-28",
  "2026-12-31",
  "2027-01-01",
  "2027-01-03",
];
const anchorMs = (i: number) => Date.parse(`${ANCHOR_DAYS[i]}T00:00:00.000Z`);

const dayArb = fc
  .tuple(fc.nat(ANCHOR_DAYS.length - 1), fc.integer({ min: -3, max: 3 }))
  .map(([i, offset]) => anchorMs(i) + offset * DAY);
const timeOfDayArb = fc.oneof(
  fc.constant(0),
  fc.constant(DAY - 1),
  fc.constant(DAY - 1000),
  fc.integer({ min: 0, max: DAY - 1 }),
);
export const instantArb = fc.tuple(dayArb, timeOfDayArb).map(([day, time]) => day + time);

const USERS = ["u0", "u1", "u2", "u3", "u4"];
const ORGS = ["o0", "o1", "o2"];
const userArb = fc.constantFrom(...USERS);
const orgArb = fc.constantFrom(...ORGS);

export const rawEventArb: fc.Arbitrary<RawEvent> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant("user.created"), at: instantArb, user_id: userArb }) },
  { weight: 5, arbitrary: fc.record({ type: fc.constant("user.active"), at: instantArb, user_id: userArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("user.deleted"), at: instantArb, user_id: userArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("user.updated"), at: instantArb, user_id: userArb }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { type: fc.constant("user.invited"), at: instantArb, user_id: userArb, org_id: orgArb },
      { requiredKeys: ["type", "at", "user_id"] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("org.created"), at: instantArb, org_id: orgArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant("org.member_added"), at: instantArb, org_id: orgArb, user_id: userArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("org.member_removed"), at: instantArb, org_id: orgArb, user_id: userArb }),
  },
);

export interface History {
  events: RawEvent[];
  /** The request time; every event is at or before it. */
  now: number;
}

/** A history and a request time after its last event: sometimes exactly a midnight or a bucket's last ms. */
export const historyArb = (maxEvents: number): fc.Arbitrary<History> =>
  fc
    .tuple(
      fc.array(rawEventArb, { minLength: 1, maxLength: maxEvents }),
      fc.oneof(
        fc.integer({ min: 0, max: 10 * DAY }),
        fc.integer({ min: 1, max: 10 }).map((days) => -days),
      ),
    )
    .map(([events, after]) => {
      const last = Math.max(...events.map((e) => e.at));
      // Negative: a midnight after the last event (a bucket ends exactly at the request time).
      const now = after >= 0 ? last + after : Math.floor(last / DAY) * DAY - after * DAY;
      return { events, now };
    });

/** The wire form of a raw event (CONTRACT §2): occurred_at as ISO text, or unix seconds when whole. */
export function wireEvent(e: RawEvent, index: number): Record<string, unknown> {
  const occurred_at = e.at % 1000 === 0 && index % 2 === 0 ? e.at / 1000 : new Date(e.at).toISOString();
  const wire: Record<string, unknown> = { type: e.type, occurred_at };
  if (e.user_id !== undefined) wire.user_id = e.user_id;
  if (e.org_id !== undefined) wire.org_id = e.org_id;
  if (e.type === "org.created") wire.name = `org ${e.org_id}`;
  if (e.type === "user.invited") wire.invitee_email = `invitee${index}@example.com`;
  return wire;
}

const mixedCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));

const cadenceArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.constantFrom("Daily", "Weekly", "Monthly").chain(mixedCase) },
  { weight: 1, arbitrary: fc.constantFrom("Yearly", "day", "") },
);

/** A date parameter in either accepted form; an instant with an offset may fall on another UTC day. */
const dateTextArb = (ms: number) =>
  fc.oneof(
    fc.constant(new Date(ms).toISOString().slice(0, 10)),
    fc.integer({ min: 0, max: DAY - 1 }).map((t) => new Date(ms + t).toISOString()),
    fc.tuple(fc.integer({ min: 0, max: DAY - 1 }), fc.integer({ min: -12, max: 14 })).map(([t, offsetHours]) => {
      const local = new Date(ms + t + offsetHours * 3_600_000).toISOString().slice(0, 19);
      const sign = offsetHours < 0 ? "-" : "+";
      return `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, "0")}:00`;
    }),
  );

export const chartParamsArb: fc.Arbitrary<ChartParams> = fc
  .record({
    chartMetric: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom("signups", "orgs_created", "active_users", "active_orgs") },
      { weight: 1, arbitrary: fc.constantFrom("signup", "Signups", "active") },
    ),
    cadence: cadenceArb,
    start: fc.option(dayArb, { freq: 6 }),
    // Mostly a period after the start (up to ~4 months), sometimes an unrelated day (long periods, start > end).
    end: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 120 }).map((days) => ({ afterStart: days })) },
      { weight: 1, arbitrary: dayArb.map((ms) => ({ at: ms })) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
  })
  .chain(({ chartMetric, cadence, start, end }) => {
    const endMs = end === undefined ? null : "at" in end ? end.at : (start ?? anchorMs(0)) + end.afterStart * DAY;
    return fc.record({
      chartMetric: fc.constant(chartMetric),
      cadence: fc.constant(cadence),
      start_date: start === null ? fc.constant(undefined) : dateTextArb(start),
      end_date: endMs === null ? fc.constant(undefined) : dateTextArb(endMs),
    });
  })
  .map(({ chartMetric, cadence, start_date, end_date }) => {
    // Absent parameters are left out, as a query string would.
    const params: ChartParams = { chartMetric };
    if (cadence !== undefined) params.cadence = cadence;
    if (start_date !== undefined) params.start_date = start_date;
    if (end_date !== undefined) params.end_date = end_date;
    return params;
  });
