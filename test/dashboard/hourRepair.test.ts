import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/dashboard.js";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { HoursBeingDerived } from "../../lib/dashboard/hourRepair.js";
import { addCounts, countsOfMembers } from "../../lib/dashboard/hourSources.js";
import type { DayHourCounts } from "../../lib/dashboard/hours.js";
import { hourCountsOfDays } from "../../lib/dashboard/storage.js";
import { isRetryable } from "../../lib/http/retryable.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { storeFromEnv } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

/**
 * The repair of old days' hour counts is bounded per request (lib/dashboard/hourRepair.ts): a request reads at most
 * its budget of day set members, saves where each day stopped, and says "retry"; the retries resume there, and the
 * counts they end with equal those of one unbounded read, also when late activity moves a day's generation between
 * two of them.
 */

const ev = (type: string, user_id: string, occurred_at: string) => ({ type, user_id, occurred_at });
const NOW = Date.parse("2026-05-01T12:00:00Z");
const at = (day: string, i: number) =>
  `${day}T${String(i % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00Z`;
/** 40 users on one old day, 25 on the next, some in two hours. */
const HISTORY = [
  ...Array.from({ length: 40 }, (_, i) => ev("user.active", `a${i}`, at("2026-04-10", i * 7))),
  ...Array.from({ length: 10 }, (_, i) => ev("user.active", `a${i}`, at("2026-04-10", i * 7 + 1))),
  ...Array.from({ length: 25 }, (_, i) => ev("user.active", `b${i}`, at("2026-04-11", i * 5))),
];
/** Late activity on members the first 20 read (in key order a0, a1, a10–a19, a2, a20–a26) have passed already. */
const LATE = [ev("user.active", "a0late", "2026-04-10T05:30:00Z"), ev("user.active", "a1", "2026-04-10T23:10:00Z")];

let store: Store;

beforeAll(async () => {
  store = await testStore();
});

/** A tenant with `events` ingested as old days (every day gets a generation, its counts derived from members). */
async function tenant(...batches: unknown[][]) {
  const { environment_id } = await createEnvironment(store, "repair");
  for (const batch of batches) await ingestEvents(store, environment_id, batch, NOW);
  return environment_id;
}

/** Whether a command reads a day set's members (its key names a `SET` partition). */
const readsMembers = (command: { input: object }) =>
  String(
    (command.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues?.[":pk"],
  ).includes("#SET#");

/** The hour counts as a request with `items` of budget reads them, and the set members it read. */
async function readWithBudget(e: string, items: number) {
  let membersRead = 0;
  const counted = interceptedStore(store, async (command, send) => {
    const answer = (await send()) as { Items?: unknown[] };
    if (readsMembers(command)) membersRead += answer.Items?.length ?? 0;
    return answer;
  });
  try {
    const counts = await hourCountsOfDays(counted, e, "2026-04-01", "2026-04-30", undefined, NOW, { items });
    return { counts, membersRead };
  } catch (error) {
    if (error instanceof HoursBeingDerived) return { counts: undefined, membersRead };
    throw error;
  }
}

const sorted = (m: ReadonlyMap<number, number>) => [...m].sort(([a], [b]) => a - b);
const plain = (days: DayHourCounts[]) =>
  days.map((d) => ({ day: d.day, hours: sorted(d.hours), groups: sorted(d.groups) }));

describe("hour counts repaired within a budget per request", () => {
  it("counts of members read in parts add up to the counts of all of them", () => {
    const member = fc.dictionary(fc.constantFrom("h00n", "h01n", "h07n", "h12n", "h13n", "h23n"), fc.constant(1));
    fc.assert(
      fc.property(fc.array(member, { maxLength: 30 }), fc.nat(30), (members, cut) => {
        const whole = countsOfMembers("2026-04-10", members);
        const parts = addCounts(
          countsOfMembers("2026-04-10", members.slice(0, cut)),
          countsOfMembers("2026-04-10", members.slice(cut)),
        );
        expect(plain([parts])).toEqual(plain([whole]));
      }),
    );
  });

  it("each request reads ≤ its budget of members and says retry; the retries end with the unbounded counts", async () => {
    const bounded = await tenant(HISTORY);
    const unbounded = await tenant(HISTORY);
    const expected = await hourCountsOfDays(store, unbounded, "2026-04-01", "2026-04-30", undefined, NOW);
    expect(plain(expected).map((d) => d.day)).toEqual(["2026-04-10", "2026-04-11"]);
    let requests = 0;
    let result: DayHourCounts[] | undefined;
    let totalRead = 0;
    while (!result) {
      const { counts, membersRead } = await readWithBudget(bounded, 7);
      expect(membersRead).toBeLessThanOrEqual(7);
      totalRead += membersRead;
      result = counts;
      requests++;
      expect(requests).toBeLessThan(20);
    }
    expect(plain(result)).toEqual(plain(expected));
    // 65 members (40 + 25), 7 a request: ten requests, each member read once.
    expect(requests).toBe(10);
    expect(totalRead).toBe(65);
    // Then kept: no member read at all.
    expect(await readWithBudget(bounded, 7)).toEqual({ counts: result, membersRead: 0 });
  });

  it("late activity between two requests moves the generation: the derivation starts again and counts it", async () => {
    const bounded = await tenant(HISTORY);
    const first = await readWithBudget(bounded, 20);
    expect(first).toEqual({ counts: undefined, membersRead: 20 });
    await ingestEvents(store, bounded, LATE, NOW);
    let result: DayHourCounts[] | undefined;
    for (let i = 0; i < 20 && !result; i++) result = (await readWithBudget(bounded, 20)).counts;
    const read = async (e: string) => hourCountsOfDays(store, e, "2026-04-01", "2026-04-30", undefined, NOW);
    const expected = await read(await tenant(HISTORY, LATE));
    expect(result && plain(result)).toEqual(plain(expected));
    // The late user is one more in 05:00 of 2026-04-10, a1 one more in its 23:00.
    const before = (await read(await tenant(HISTORY)))[0];
    expect(expected[0]?.hours.get(5)).toBe((before?.hours.get(5) ?? 0) + 1);
    expect(expected[0]?.hours.get(23)).toBe((before?.hours.get(23) ?? 0) + 1);
  });

  it("starts no page once its time is up (the checkpoints as when its members run out), and says retry", async () => {
    const e = await tenant(HISTORY);
    const out = await hourCountsOfDays(store, e, "2026-04-01", "2026-04-30", undefined, NOW, {
      items: 1000,
      until: Date.now() - 1,
    }).catch((error: unknown) => error);
    expect(out).toBeInstanceOf(HoursBeingDerived);
    // Nothing was read, so the next request reads every member once.
    expect(await readWithBudget(e, 1000)).toMatchObject({ membersRead: 65 });
  });

  it("a page that fails fails the request, retryably; the retry goes on to the same counts", async () => {
    const e = await tenant(HISTORY);
    let failed = false;
    const throttled = interceptedStore(store, async (command, send) => {
      if (!failed && readsMembers(command)) {
        failed = true;
        throw Object.assign(new Error("throttled"), { name: "ThrottlingException" });
      }
      return send();
    });
    // A budget of one page: the other day waits for it while it fails.
    const out = await hourCountsOfDays(throttled, e, "2026-04-01", "2026-04-30", undefined, NOW, { items: 10 }).catch(
      (error: unknown) => error,
    );
    expect(isRetryable(out)).toBe(true);
    let result: DayHourCounts[] | undefined;
    for (let i = 0; i < 20 && !result; i++) result = (await readWithBudget(e, 10)).counts;
    const expected = await hourCountsOfDays(store, await tenant(HISTORY), "2026-04-01", "2026-04-30", undefined, NOW);
    expect(result && plain(result)).toEqual(plain(expected));
  });

  it("is retryable: the route answers 503 with Retry-After in the dashboard's format, then the counts", async () => {
    expect(isRetryable(new HoursBeingDerived())).toBe(true);
    const e = await tenant(HISTORY);
    const t = await createUserToken(storeFromEnv(), e, "viewer");
    const headers = { "x-user-id": t.user_id, "x-auth-token": t.auth_token };
    const call = () =>
      invoke(handler, {
        path: "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week",
        query: { start: "2026-04-01T00:00:00Z", end: "2026-04-30T00:00:00Z" },
        headers,
      });
    process.env.HOUR_REPAIR_ITEMS = "30";
    const first = await call();
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ success: false, error: "Service unavailable, retry [retry]" });
    expect(first.headers["retry-after"]).toBe("1");
    const second = await call();
    expect(second.status).toBe(503);
    const third = await call();
    expect(third.status).toBe(200);
    expect((third.body as { week: unknown[] }).week.length).toBeGreaterThan(0);
  });
});

afterEach(() => {
  delete process.env.HOUR_REPAIR_ITEMS;
});
