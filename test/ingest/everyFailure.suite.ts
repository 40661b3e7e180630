import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import {
  hourlyDataBody,
  hourlyDataBodyFromCounts,
  usersByHourBody,
  weeklyDataBody,
} from "../../lib/dashboard/hours.js";
import { activeUserHoursOfDay, dayCounters, hourCountsOfDays } from "../../lib/dashboard/storage.js";
import { batchIdOf } from "../../lib/ingest/claims.js";
import { type IngestResult, ingestEvents } from "../../lib/ingest/ingest.js";
import { REPORTS } from "../../lib/reports/definitions.js";
import { readReportPage } from "../../lib/reports/read.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { dayOf } from "../../lib/time.js";
import { type Fault, type FaultProxy, failNth, faultApplies, startFaultProxy } from "../helpers/faultProxy.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { environmentItems } from "../helpers/tableItems.js";

/**
 * Exactly once under every failure (test files `everyFailure.part{n}.test.ts`, each a share of the modes below): a batch that touches every event type is delivered with the Nth storage call
 * failing, for EVERY N of a clean delivery and for three kinds of failure, then sent again until it is answered;
 * every table's content, every report and every activity-by-hour answer (CONTRACT §10) must equal those of one
 * clean delivery.
 *
 *  - `throttle`: the call is refused as throttled (nothing applied);
 *  - `error`: the call fails with an error that is not retryable (nothing applied);
 *  - `crash`: the call is applied, then the process "dies" before it sees the answer (a thrown error between this
 *    write and the next one: a Lambda timeout or crash anywhere between two phases).
 *
 * Those three replace the call's answer in the client (aws-sdk-client-mock style). The `http …` passes make the
 * failure at the HTTP level instead (test/helpers/faultProxy.ts in front of DynamoDB Local), so the SDK's own
 * retries and real DynamoDB error answers run; N counts the calls the fault applies to:
 *
 *  - `http lostReply`: the Nth call is applied and answered 500; the SDK sends it again (it meets its own write);
 *  - `http throttle`: the Nth call is throttled on each of the SDK's attempts, so the request fails;
 *  - `http conflict`: the Nth transaction is cancelled by a TransactionConflict (nothing applied);
 *  - `http unprocessed`: the Nth BatchWriteItem / BatchGetItem comes back with every item unprocessed.
 *
 * One kind of item is compared by what it means rather than byte for byte: the clock-hour generations of old days
 * (`HCGEN`, lib/ingest/hourGenerations.ts) only tell readers to recompute a day from its members, so a retry bumps
 * again (a failure at the bump, then a retry) and a resuming delivery bumps every old day of its activity. What must
 * hold: every day the clean delivery bumped is bumped (its hour answers, compared whole, then come from its members).
 */

// Relative to the real clock: environments get a snapshot when created, and a refresh must come after it.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;
const daysBefore = (days: number) => new Date(T0 - days * 86_400_000).toISOString();
const minutesBefore = (minutes: number) => new Date(T0 - minutes * 60_000).toISOString();
/** Events without `occurred_at` resolve to the instant of the attempt that first claims them. */
const FIRST_ATTEMPT = T0;
const RETRY = T0 + 60_000;
const REFRESH_AT = T0 + 3 * 3_600_000;

const setup = [
  { type: "user.created", user_id: "inv", occurred_at: daysBefore(20), email: "inv@x.io" },
  { type: "user.created", user_id: "gone", occurred_at: daysBefore(20) },
  { type: "org.created", org_id: "o1", name: "O", occurred_at: daysBefore(20) },
  { type: "org.member_added", org_id: "o1", user_id: "gone", occurred_at: daysBefore(19) },
  // A profile too large for the hot user item: stored on its PROFILE item (lib/storage/userProfile.ts).
  { type: "user.created", user_id: "big", occurred_at: daysBefore(20), profile: { bio: "b".repeat(600) } },
];

/** Every event type, ids that are special in JavaScript, and events without `occurred_at`. */
const batch: Record<string, unknown>[] = [
  { type: "user.invited", user_id: "inv", invitee_email: "a@b.c", org_id: "o1", event_id: "e1" },
  { type: "org.member_added", org_id: "o1", user_id: "inv", event_id: "e2" },
  {
    type: "user.created",
    user_id: "c2",
    profile: { constructor: 1, nested: { __proto__: "kept" } },
    signup_query_parameters: { constructor: "x", utm_source: "ad" },
    event_id: "e3",
  },
  { type: "user.active", user_id: "inv", event_id: "e4" },
  { type: "org.created", org_id: "constructor", name: "C", occurred_at: daysBefore(1), event_id: "e5" },
  { type: "org.member_added", org_id: "constructor", user_id: "c2", role: "admin", event_id: "e6" },
  { type: "org.member_added", org_id: "__proto__", user_id: "c2", event_id: "e7" },
  { type: "user.updated", user_id: "c2", first_name: "Cy", event_id: "e8" },
  { type: "org.updated", org_id: "o1", name: "O renamed", event_id: "e9" },
  { type: "org.member_removed", org_id: "__proto__", user_id: "c2", event_id: "e10" },
  { type: "user.active", user_id: "c2", occurred_at: daysBefore(0.9), event_id: "e11" },
  { type: "user.deleted", user_id: "gone", event_id: "e12" },
  { type: "user.active", user_id: "gone", event_id: "e13" },
  { type: "user.created", user_id: "early", occurred_at: daysBefore(2), event_id: "e14" },
  { type: "user.created", user_id: "inv", occurred_at: daysBefore(40), event_id: "e15" },
  // Clock hours (lib/ingest/hourBounds.ts): a later hour, a repeat in it, an hour inside the day's span (its own merge
  // write), an earlier instant of an hour already held; the events without occurred_at fall on T0's hour.
  { type: "user.active", user_id: "early", occurred_at: minutesBefore(125), event_id: "e16" },
  { type: "user.active", user_id: "early", occurred_at: minutesBefore(65), event_id: "e17" },
  { type: "user.active", user_id: "early", occurred_at: minutesBefore(61), event_id: "e18" },
  { type: "user.active", user_id: "early", occurred_at: minutesBefore(100), event_id: "e19" },
  { type: "user.active", user_id: "early", occurred_at: minutesBefore(64), event_id: "e20" },
  { type: "user.active", user_id: "inv", event_id: "e4" }, // a repeat inside the batch: a duplicate
  // The PROFILE item rewritten with the user's write (its content before rides along), then an activity of it.
  { type: "user.updated", user_id: "big", profile: { bio: "c".repeat(700) }, event_id: "e21" },
  { type: "user.active", user_id: "big", occurred_at: minutesBefore(30), event_id: "e22" },
  // A user whose profile moves apart in this batch.
  { type: "user.updated", user_id: "early", profile: { bio: "d".repeat(800) }, event_id: "e23" },
];
/** As a client sends it: JSON, so `__proto__` is an ordinary key. */
const batchBody = () => JSON.parse(JSON.stringify(batch).replace('"nested":{}', '"nested":{"__proto__":"kept"}'));

/** Every report × interval of a refresh at REFRESH_AT, first 1,000 rows. */
async function reports(store: Store, environmentId: string) {
  await refreshEnvironment(store, environmentId, REFRESH_AT);
  const pages: Record<string, unknown> = {};
  for (const { name, intervals } of REPORTS) {
    for (const interval of intervals) {
      pages[`${name} ${interval}`] = await readReportPage(store, environmentId, name, interval, 0, 1000);
    }
  }
  // Snapshot ids are drawn per refresh: `{report_time}-{random}`.
  return JSON.parse(JSON.stringify(pages).replace(/\b\d+-[0-9a-f]{8}\b/g, "SNAPSHOT"));
}

/**
 * The activity-by-hour answers (CONTRACT §10) of the last days, read as the routes read them: users per clock hour,
 * the 24 hours before T0's next hour and before a mid-hour instant, and the 8 days.
 */
async function hourAnswers(store: Store, environmentId: string) {
  const from = T0 - 45 * 86_400_000;
  const to = T0 + 3_600_000;
  const days = (await dayCounters(store, environmentId, "active_users", dayOf(from), dayOf(to))).filter(
    (c) => c.count > 0,
  );
  const read = await Promise.all(days.map((c) => activeUserHoursOfDay(store, environmentId, c.day)));
  const midHour = T0 - 90 * 60_000;
  // The hour counts (live HC items, or old days' counts derived from their members): what users-by-time and an
  // even-hour hourly-data read.
  const counts = await hourCountsOfDays(store, environmentId, dayOf(from), dayOf(to + 2 * 3_600_000));
  const evenHour = Math.ceil(to / 7_200_000) * 7_200_000;
  return {
    byHour: usersByHourBody(counts, from, to),
    hourlyEvenHour: hourlyDataBodyFromCounts(counts, evenHour),
    hourly: hourlyDataBody(read, to),
    hourlyMidHour: hourlyDataBody(read, midHour),
    weekly: weeklyDataBody(new Map(days.map((c) => [c.day, c.count])), to),
  };
}

/** The items but the hour generations, and the days those name with a generation > 0. */
function withoutGenerations(items: string[]): { tables: string[]; bumped: string[] } {
  const generation = (item: string) => /^activity (\{.*"pk":"E#ENV#HCGEN".*\})$/.exec(item)?.[1];
  const bumped = items.flatMap((item) => {
    const json = generation(item);
    if (json === undefined) return [];
    const { sk, pk: _pk, ...days } = JSON.parse(json) as Record<string, unknown>;
    return Object.entries(days).flatMap(([d, gen]) => ((gen as number) > 0 ? [`${sk}-${d.slice(1)}`] : []));
  });
  return { tables: items.filter((item) => generation(item) === undefined), bumped: bumped.sort() };
}

/** Whether the batch's first delivery got as far as creating it (one GetItem, not a Scan of the tables). */
async function batchCreated(store: Store, environmentId: string): Promise<boolean> {
  const ids = [...new Set(batch.map((event) => event.event_id as string))];
  const { Item } = await store.doc.send(
    new GetCommand({
      TableName: store.tables.entities,
      Key: keys.ingestBatch(environmentId, batchIdOf(ids)),
      ConsistentRead: true,
    }),
  );
  return Item !== undefined;
}

async function environmentWithSetup(store: Store, name: string): Promise<string> {
  const { environment_id } = await createEnvironment(store, name);
  await ingestEvents(store, environment_id, setup, T0 - 86_400_000);
  return environment_id;
}

type FaultKind = "throttle" | "error" | "crash";

const faultOf = (kind: FaultKind, send: () => Promise<unknown>): Promise<unknown> => {
  if (kind === "throttle") {
    return Promise.reject(new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} }));
  }
  if (kind === "error") return Promise.reject(new Error("injected: storage error"));
  return send().then(() => Promise.reject(new Error("injected: crash after the write")));
};

/** A store whose `nth` command (1-based) fails as `kind`, counting every command in `calls`. */
function faultyStore(store: Store, nth: number, kind: FaultKind | undefined, calls: { n: number }) {
  return interceptedStore(store, (_command, send) => (++calls.n === nth && kind ? faultOf(kind, send) : send()));
}

/** A way to fail call N of the batch's first delivery: the delivery, and how many N there are. */
interface FailureMode {
  name: string;
  /** N runs from 1 through this. */
  calls: () => number;
  /** The first delivery with call N failing: its answer, or the error the request fails with. */
  deliver: (store: Store, environmentId: string, nth: number) => Promise<IngestResult>;
  /** After every N: that the failures happened (`answered`: first deliveries answered despite the fault). */
  check: (answered: number) => void;
}

const clientModes = (["throttle", "error", "crash"] as const).map(
  (kind): FailureMode => ({
    name: kind,
    calls: () => callsOfCleanDelivery,
    deliver: (store, e, nth) => ingestEvents(faultyStore(store, nth, kind, { n: 0 }), e, batchBody(), FIRST_ATTEMPT),
    check: (answered) => expect(answered).toBeLessThan(callsOfCleanDelivery),
  }),
);

/** The SDK's attempts on a request path (lib/storage/client.ts): a fault injected that often fails the call. */
const REQUEST_SDK_ATTEMPTS = 3;
/** The operations of a clean delivery, in order, as the fault proxy sees them. */
const operationsOfCleanDelivery: string[] = [];
const proxies: FaultProxy[] = [];

/** The fault proxy's failures: each mode has a proxy of its own (the modes run side by side). */
const httpModes = (
  [
    ["lostReply", 1],
    ["throttle", REQUEST_SDK_ATTEMPTS],
    ["conflict", 1],
    ["unprocessed", 1],
  ] as [Fault, number][]
).map(([fault, times]): FailureMode => {
  let proxy: FaultProxy | undefined;
  const injected: number[] = [];
  const calls = () => operationsOfCleanDelivery.filter((operation) => faultApplies(fault, operation)).length;
  return {
    name: `http ${fault}`,
    calls,
    deliver: async (store, e, nth) => {
      if (!proxy) {
        proxy = await startFaultProxy(inject("dynamodbEndpoint"));
        proxies.push(proxy);
      }
      const through: Store = { doc: createDocumentClient(proxy.endpoint), tables: store.tables };
      const before = proxy.counts[fault] ?? 0;
      proxy.setPlan(failNth(nth, fault, times));
      try {
        return await ingestEvents(through, e, batchBody(), FIRST_ATTEMPT);
      } finally {
        proxy.setPlan(() => undefined);
        injected.push((proxy.counts[fault] ?? 0) - before);
        through.doc.destroy();
      }
    },
    // Every N got its fault, on every attempt of the call when the fault is to last.
    check: () => expect(injected).toEqual(new Array(calls()).fill(times)),
  };
});

const clean: Record<
  string,
  { tables: string[]; reports: Record<string, unknown>; hours: Awaited<ReturnType<typeof hourAnswers>> }
> = {};
let callsOfCleanDelivery = 0;

/** The names of the failure modes (`throttle`, …, `http unprocessed`). */
export const FAILURE_MODES = [...clientModes, ...httpModes].map((mode) => mode.name);

/** The modes of each test file `everyFailure.part{n}.test.ts` (n from 1), of about equal time. */
export const MODES_BY_PART = [
  ["throttle", "error"],
  ["crash", "http conflict", "http unprocessed"],
  ["http lostReply"],
  ["http throttle"],
] as const;

/**
 * Registers the suite for `modes` in the calling test file (the suite is cut into files, so that its modes run on
 * several workers; the modes of one file run side by side), and with `checkCleanDelivery` the checks that the clean
 * delivery holds what the comparisons must catch.
 */
export function everyFailureSuite(modes: readonly string[], { checkCleanDelivery = false } = {}) {
  beforeAll(async () => {
    const store = await testStore();
    for (const [label, now] of [
      ["first", FIRST_ATTEMPT],
      ["retry", RETRY],
    ] as const) {
      const e = await environmentWithSetup(store, `clean-${label}`);
      const calls = { n: 0 };
      const result = await ingestEvents(faultyStore(store, 0, undefined, calls), e, batchBody(), now);
      expect(result).toEqual({ accepted: batch.length - 1, duplicates: 1 });
      if (label === "first") callsOfCleanDelivery = calls.n;
      clean[label] = {
        tables: await environmentItems(store, e),
        reports: await reports(store, e),
        hours: await hourAnswers(store, e),
      };
    }
  }, 120_000);

  beforeAll(async () => {
    const store = await testStore();
    const proxy = await startFaultProxy(inject("dynamodbEndpoint"), (call) => {
      operationsOfCleanDelivery.push(call.operation);
      return undefined;
    });
    const e = await environmentWithSetup(store, "clean-through-proxy");
    const through: Store = { doc: createDocumentClient(proxy.endpoint), tables: store.tables };
    await ingestEvents(through, e, batchBody(), FIRST_ATTEMPT);
    through.doc.destroy();
    await proxy.close();
    expect(operationsOfCleanDelivery).toHaveLength(callsOfCleanDelivery);
  }, 120_000);
  afterAll(() => Promise.all(proxies.map((proxy) => proxy.close())));

  // The failure modes run side by side, each on tables of its own.
  describe.concurrent("a batch delivered with its Nth storage call failing, then sent again", () => {
    if (checkCleanDelivery) {
      it("the clean deliveries differ where an instant was resolved; the batch makes a few dozen storage calls", () => {
        expect(callsOfCleanDelivery).toBeGreaterThan(10);
        expect(clean.first?.tables).not.toEqual(clean.retry?.tables);
        // Two users' profiles are apart (so a failure at their PROFILE writes is among the N), one's from this batch.
        const profiles = clean.first?.tables.filter((item) => item.includes('"sk":"PROFILE"')) ?? [];
        expect(profiles.map((item) => item.match(/"pk":"[^"]*#U#(\w+)"/)?.[1]).sort()).toEqual(["big", "early"]);
        expect(profiles.find((item) => item.includes("#U#big"))).toContain('"prev_profile"');
      });

      it("the clean delivery's hour answers hold the batch's clock hours (so comparing them can fail)", () => {
        const hours = clean.first?.hours;
        // "early": 125, 100 min before T0 (one hour, or two), 65/64/61 (one hour); the events without occurred_at: T0's.
        expect(hours?.byHour.week.length).toBeGreaterThanOrEqual(3);
        expect(hours?.hourly.hours.some((g) => g.users > 0)).toBe(true);
        expect(hours?.hourlyEvenHour.hours.some((g) => g.users > 0)).toBe(true);
        expect(hours?.hourlyMidHour).not.toEqual(hours?.hourly);
        expect(hours?.weekly.month.at(-1)?.users).toBeGreaterThan(0);
        // Old days (a sign-up moved 40 days back, one 2 days back) have their generations bumped: checking them can fail.
        expect(withoutGenerations(clean.first?.tables ?? []).bumped.length).toBeGreaterThan(0);
      });
    }

    for (const mode of [...clientModes, ...httpModes].filter((m) => modes.includes(m.name))) {
      it(`counts every event once, at the instant it was first claimed, for every N (${mode.name})`, async () => {
        const store = await testStore();
        let answeredDespiteFault = 0;
        expect(mode.calls()).toBeGreaterThan(0);
        for (let nth = 1; nth <= mode.calls(); nth++) {
          const e = await environmentWithSetup(store, `${mode.name}-${nth}`);
          let first: IngestResult | undefined;
          try {
            first = await mode.deliver(store, e, nth);
            answeredDespiteFault += 1; // the code (or the SDK) retried the failed call itself
          } catch {}
          // The instants are fixed when the batch is created (its one Put records each), before any claim.
          const claimedOnFirstAttempt = await batchCreated(store, e);
          const results: IngestResult[] = first ? [first] : [];
          // The client sends the batch again until it is answered (here: once, there is no fault left).
          results.push(await ingestEvents(store, e, batchBody(), RETRY));
          const expected = clean[claimedOnFirstAttempt ? "first" : "retry"];
          const { tables, bumped } = withoutGenerations(await environmentItems(store, e));
          const cleanItems = withoutGenerations(expected?.tables ?? []);
          expect({ nth, tables }).toEqual({ nth, tables: cleanItems.tables });
          expect({ nth, bumped: cleanItems.bumped.filter((day) => !bumped.includes(day)) }).toEqual({
            nth,
            bumped: [],
          });
          expect({ nth, reports: await reports(store, e) }).toEqual({ nth, reports: expected?.reports });
          expect({ nth, hours: await hourAnswers(store, e) }).toEqual({ nth, hours: expected?.hours });
          const last = results.at(-1) as IngestResult;
          expect(last.accepted + last.duplicates).toBe(batch.length);
          // Sending it once more changes nothing and counts nothing.
          expect(await ingestEvents(store, e, batchBody(), RETRY + 1)).toEqual({
            accepted: 0,
            duplicates: batch.length,
          });
        }
        mode.check(answeredDespiteFault);
      }, 1_200_000); // a minute or two on an idle machine; far longer when many test runs share two cores
    }
  });
}
