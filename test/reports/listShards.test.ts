import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { LIST_PARTS } from "../../lib/reports/listShards.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import { type PartJob, type PartOutcome, planRun, runPartJob } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { gatedDelivery } from "../helpers/gatedDelivery.js";
import { testStore } from "../helpers/store.js";
import { getReport } from "./helpers.js";

/**
 * The list parts in two phases (lib/reports/listShards.ts): gathers over several ranges (of days, of org ids) and
 * rows parts over several slices serve exactly the lists of one gather and one slice, and a gather delivered twice
 * (with ingestion between the deliveries) is summed once, from the delivery that counted.
 */

const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

/** Runs a part and the parts it hands on (rows parts once their gathers are counted), as the worker queues them. */
async function runWithNext(job: PartJob, ran: PartJob[] = []): Promise<PartOutcome[]> {
  const outcome = await runPartJob(store, job);
  ran.push(job);
  const after: PartOutcome[] = [];
  for (const next of outcome.next) after.push(...(await runWithNext(next, ran)));
  return [outcome, ...after];
}

const LISTS: [string, string][] = [
  ...["30", "60", "90"].map((n): [string, string] => ["user_report/top_inviter", n]),
  ["org_report/reengagement", "Weekly"],
  ["org_report/reengagement", "Monthly"],
  ...["30", "60", "90"].map((n): [string, string] => ["org_report/growth", n]),
  ...["30", "60", "90"].map((n): [string, string] => ["org_report/attrition", n]),
];

/** Every row of a list, read a page of 3 at a time (pages cross the slices' segments). */
async function rowsOf(apiKey: string, report: string, interval: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (let page = 0; ; page++) {
    const body = (
      await getReport(apiKey, report, { report_interval: interval, page_size: "3", page_number: String(page) })
    ).body as { user_reports?: unknown[]; org_reports?: unknown[] };
    const got = (body.user_reports ?? body.org_reports ?? []) as Record<string, unknown>[];
    if (got.length === 0) return rows;
    // The row as served, but its snapshot's ids (two runs are compared).
    rows.push(...got.map(({ id: _id, report_id: _reportId, ...row }) => row));
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** 12 users in 6 orgs (ids ordered differently in UTF-16 and UTF-8), invites, membership changes, reengagement. */
function tenantEvents(now: number) {
  const orgIds = ["a", "\u{1F600}o", "\uFFFDo", "c\u{10000}", "c\uE000", "d"];
  const userIds = Array.from({ length: 12 }, (_, i) => `u${i}`);
  const events: Record<string, unknown>[] = [];
  for (const [k, org_id] of orgIds.entries())
    events.push({ type: "org.created", occurred_at: iso(now - 150 * DAY), org_id, name: `Org ${k}` });
  for (const [i, user_id] of userIds.entries()) {
    events.push({ type: "user.created", occurred_at: iso(now - 140 * DAY), user_id, email: `${user_id}@x.io` });
    events.push({
      type: "org.member_added",
      occurred_at: iso(now - 130 * DAY),
      org_id: orgIds[i % 6],
      user_id,
      role: "member",
    });
    // First active long ago; then either active throughout, or quiet and back in the last days (reengagement).
    events.push({ type: "user.active", occurred_at: iso(now - 120 * DAY - i * 60_000), user_id });
    const days = i % 3 === 0 ? [2 + (i % 4)] : [1, 9, 20, 45];
    for (const d of days) events.push({ type: "user.active", occurred_at: iso(now - d * DAY - i * 60_000), user_id });
    // Membership changes over the look-back (ties on every score), and invites on several days.
    events.push({
      type: "org.member_added",
      occurred_at: iso(now - (5 + i * 7) * DAY),
      org_id: orgIds[(i + 1) % 6],
      user_id,
    });
    if (i % 2 === 0)
      events.push({
        type: "org.member_removed",
        occurred_at: iso(now - (3 + i * 4) * DAY),
        org_id: orgIds[(i + 1) % 6],
        user_id,
      });
    for (let k = 0; k < (i % 4) + 1; k++)
      events.push({
        type: "user.invited",
        // An hour off whole days: no invite on a window's bound (the two runs' T are a second apart).
        occurred_at: iso(now - (1 + k * 20 + i) * DAY - 3_600_000),
        user_id,
        invitee_email: `f${i}-${k}@x.io`,
      });
  }
  return events;
}

describe("list parts in gathers and slices", () => {
  it("several gathers (days, org ids) and rows slices: the lists equal those of one gather and one slice", async () => {
    const now = Date.now();
    const env = await createEnvironment(store, "list-shards", now - 200 * DAY);
    await ingestEvents(store, env.environment_id, tenantEvents(now) as never);

    await refreshEnvironment(store, env.environment_id, now);
    const expected = await Promise.all(LISTS.map(([r, n]) => rowsOf(env.api_key, r, n)));
    // Every list has rows: the comparison below compares something.
    for (const [i, [r, n]] of LISTS.entries())
      expect((expected[i] as unknown[]).length, `${r} ${n}`).toBeGreaterThan(0);

    const jobs = await planRun(store, env.environment_id, now + 1000, { shardRows: 1 });
    for (const part of LIST_PARTS) expect(jobs.filter((j) => j.part === part).length, part).toBeGreaterThan(1);
    const outcomes: PartOutcome[] = [];
    const ran: PartJob[] = [];
    for (const job of jobs) outcomes.push(...(await runWithNext(job, ran)));
    // Each list part ran several gathers, then several rows parts (slices), each once.
    for (const part of LIST_PARTS) {
      expect(ran.filter((j) => j.part === part && j.range).length, part).toBeGreaterThan(1);
      const slices = ran.filter((j) => j.part === part && j.slice !== undefined).map((j) => j.slice);
      expect(slices.length, part).toBeGreaterThan(1);
      expect(new Set(slices).size, part).toBe(slices.length);
    }
    expect(outcomes.filter((o) => o.pointer)).toHaveLength(1);
    const sharded = await Promise.all(LISTS.map(([r, n]) => rowsOf(env.api_key, r, n)));
    expect(sharded).toEqual(expected);
  });

  it("a gather delivered twice, an invite ingested between: the rows count the counted delivery's records once", async () => {
    const now = Date.now();
    const env = await createEnvironment(store, "list-shards-twice", now - 200 * DAY);
    await ingestEvents(store, env.environment_id, tenantEvents(now) as never);
    // u0: one invite, a day ago (in the newest range of days).
    const jobs = await planRun(store, env.environment_id, now, { shardRows: 1 });
    const gathers = jobs.filter((j) => j.part === "user_invites");
    expect(gathers.length).toBeGreaterThan(1);
    const newest = gathers.find((j) => j.range?.to === undefined) as PartJob;
    for (const job of jobs) if (job !== newest) await runWithNext(job);

    const a = gatedDelivery(store, newest);
    await a.reached;
    // Another invite of u0 in the newest days: a delivery computing now counts 2.
    await ingestEvents(store, env.environment_id, [
      { type: "user.invited", occurred_at: iso(now - DAY - 7_200_000), user_id: "u0", invitee_email: "late@x.io" },
    ]);
    const b = gatedDelivery(store, newest);
    await b.reached;
    a.release();
    const first = await a.done;
    b.release();
    const second = await b.done;
    expect(first.result?.gathered).toBeDefined();
    expect(second.result).toBeUndefined();
    // Both deliveries see the set complete and queue the rows parts: each counts once, the second is a no-op.
    expect(first.next.length).toBeGreaterThan(0);
    expect(second.next).toEqual(first.next);
    const outcomes: PartOutcome[] = [];
    for (const job of [...first.next, ...second.next]) outcomes.push(...(await runWithNext(job)));
    expect(outcomes.some((o) => o.pointer)).toBe(true);

    const invites = (await rowsOf(env.api_key, "user_report/top_inviter", "30")) as {
      user_id: string;
      extra_properties: { num_invites: number };
    }[];
    // A's records (1 invite), not B's (2) nor both (3).
    expect(invites.find((r) => r.user_id === "u0")?.extra_properties.num_invites).toBe(1);
  });
});
