import { BatchWriteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { MERGED_ATTEMPT, OPEN_END, planUserCurveShards, wholeCurveRange } from "../../lib/reports/curveShards.js";
import { CURVE_CADENCES, curveName, STICKINESS_INTERVALS } from "../../lib/reports/curves.js";
import { curvesPart } from "../../lib/reports/curvesPart.js";
import { readCurve } from "../../lib/reports/curvesRead.js";
import { type PartJob, type PartOutcome, planRun, runPartJob } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { gatedDelivery } from "../helpers/gatedDelivery.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

/**
 * User curves computed in shards (curveShards.ts): planned from the hour counters, each shard's tallies written
 * once, merged into exactly the unsharded answer when the run completes, whatever the deliveries do.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T = Date.UTC(2026, 11, 4, 10, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString();
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

const NAMES = [
  ...CURVE_CADENCES.flatMap((c) => [curveName("retention", c), curveName("lifecycle", c)]),
  ...STICKINESS_INTERVALS.map((n) => curveName("stickiness", n)),
];
const ROUTES = [
  ...CURVE_CADENCES.flatMap((c) => [
    ["retention", c],
    ["lifecycle", c],
  ]),
  ...STICKINESS_INTERVALS.map((n) => ["stickiness", n]),
] as ["retention" | "lifecycle" | "stickiness", string][];

/**
 * Users spread over the look-back's hours (several per hour in places), active on the edge days (T's day before and
 * after T, the first days of the 7- and 30-day windows), some deleted, one signed up after T, one before the look-back.
 */
function history() {
  const events: Record<string, unknown>[] = [];
  const at = (type: string, ms: number, user_id: string) => events.push({ type, occurred_at: iso(ms), user_id });
  for (let i = 0; i < 14; i++) {
    const id = `u${i}`;
    at("user.created", T - (300 - i * 20) * DAY + (i % 3) * HOUR, id);
    for (const d of [i * 7 + 1, i * 3 + 2, 30, 7]) at("user.active", T - d * DAY - (i % 5) * HOUR, id);
    if (i % 4 === 0) at("user.active", T - 20 * 60_000, id); // T's day, before T
    if (i % 4 === 1) at("user.active", T + 60 * 60_000, id); // T's day, after T
  }
  at("user.created", T - 600 * DAY, "ancient");
  at("user.created", T + 30 * 60_000, "after-T");
  for (const id of ["u2", "u9"]) at("user.deleted", T - 1 * DAY, id);
  return events;
}

async function environment(name: string) {
  const env = await createEnvironment(store, name, T - 700 * DAY);
  await ingestEvents(store, env.environment_id, history(), T + 2 * HOUR);
  return env;
}

/** The 8 user-curve bodies the unsharded part computes at T (written under a report of its own). */
async function unsharded(environmentId: string): Promise<Record<string, unknown>> {
  const ctx = { store, environmentId, reportId: "whole", time: T, expiresAt: T / 1000 + 3600, attempt: "whole" };
  await curvesPart(ctx, "users");
  const bodies: Record<string, unknown> = {};
  for (const name of NAMES) {
    const got = await store.doc.send(
      new GetCommand({
        TableName: store.tables.reports,
        Key: keys.curve(environmentId, "whole", "users", name, "whole"),
      }),
    );
    bodies[name] = JSON.parse(got.Item?.body as string);
  }
  return bodies;
}

/** What the current snapshot serves for the 8 user curves (through the pointer, as a request reads them). */
async function served(environmentId: string): Promise<Record<string, unknown>> {
  const bodies: Record<string, unknown> = {};
  for (const [route, parameter] of ROUTES) {
    const { report_time: _, ...body } = await readCurve(store, environmentId, route, "users", parameter);
    bodies[curveName(route, parameter)] = body;
  }
  return bodies;
}

/** Runs the parts one after another, each one's handed-on rest right after it (as the worker queues it). */
async function runAll(s: Store, jobs: PartJob[]) {
  const outcomes: PartOutcome[] = [];
  for (const job of jobs) {
    const outcome = await runPartJob(s, job);
    outcomes.push(outcome, ...(await runAll(s, outcome.next)));
  }
  return outcomes;
}

describe("planning the user curve shards", () => {
  it("cuts the look-back into whole hours of ≤ rows users, contiguous, the newest range open", async () => {
    const env = await environment("plan");
    const shards = await planUserCurveShards(store, env.environment_id, T, 2);
    expect(shards.length).toBeGreaterThan(4);
    expect(shards[0]?.from).toBe(wholeCurveRange(T).from);
    expect(shards.at(-1)?.to).toBe(OPEN_END);
    for (let i = 1; i < shards.length; i++) {
      expect(shards[i]?.from).toBe(shards[i - 1]?.to);
      expect((shards[i]?.from as string) > (shards[i - 1]?.from as string)).toBe(true);
      // Boundaries are bare hour starts: never an index key, never cutting an hour.
      expect(shards[i]?.from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    }
    // One range holding everything when the budget allows.
    expect(await planUserCurveShards(store, env.environment_id, T, 1000)).toEqual([
      { ...wholeCurveRange(T), budget: 1000 },
    ]);
  });

  it("puts an hour with more users than the budget in a shard of its own, which hands its rest on", async () => {
    const env = await createEnvironment(store, "big-hour", T - 100 * DAY);
    const hour = T - 40 * DAY;
    await ingestEvents(
      store,
      env.environment_id,
      [
        ...["a", "b", "c", "d", "e", "f"].map((id, i) => ({
          type: "user.created",
          occurred_at: iso(hour + i),
          user_id: id,
        })),
        { type: "user.created", occurred_at: iso(hour - 5 * HOUR), user_id: "before" },
        { type: "user.created", occurred_at: iso(hour + 5 * HOUR), user_id: "after" },
      ],
      T,
    );
    const shards = await planUserCurveShards(store, env.environment_id, T, 2);
    const start = iso(Math.floor(hour / HOUR) * HOUR);
    const after = iso(Math.floor((hour + 5 * HOUR) / HOUR) * HOUR);
    expect(shards).toEqual([
      { from: wholeCurveRange(T).from, to: start, budget: 2 },
      { from: start, to: after, budget: 2 },
      { from: after, to: OPEN_END, budget: 2 },
    ]);
    // Computed, that hour's shard folds 2 users and hands the older rest on (twice deleted users included).
    await ingestEvents(
      store,
      env.environment_id,
      ["a", "c"].map((id) => ({ type: "user.deleted", occurred_at: iso(T - DAY), user_id: id })),
      T,
    );
    const expected = await unsharded(env.environment_id);
    const outcomes = await runAll(store, await planRun(store, env.environment_id, T, { curveShardRows: 2 }));
    const rests = outcomes.flatMap((o) => o.next).filter((j) => j.part === "user_curves");
    expect(rests.length).toBeGreaterThan(0);
    expect(rests.every((j) => (j.shard?.from as string) >= start && (j.shard?.to as string) < after)).toBe(true);
    expect(outcomes.filter((o) => o.pointer)).toHaveLength(1);
    const got = await served(env.environment_id);
    expect(got).toEqual(expected);
    const cohorts = (got["retention#Monthly"] as { cohorts: { size: number }[] }).cohorts;
    expect(cohorts.reduce((n, c) => n + c.size, 0)).toBe(8);
  });
});

describe("a run with several curve shards", () => {
  it("queues one part per shard, completes once, and serves exactly the unsharded answer", async () => {
    const env = await environment("sharded");
    const expected = await unsharded(env.environment_id);
    const jobs = await planRun(store, env.environment_id, T, { curveShardRows: 2 });
    const shards = jobs.filter((j) => j.part === "user_curves");
    expect(shards.length).toBeGreaterThan(4);
    expect(new Set(shards.map((j) => j.shard?.to)).size).toBe(shards.length);
    // The curve shards last, in reverse: the run completes with a shard, the merge follows whatever the order.
    const others = jobs.filter((j) => j.part !== "user_curves");
    const outcomes = await runAll(store, [...others, ...shards.reverse()]);
    const switched = outcomes.filter((o) => o.pointer);
    expect(switched).toHaveLength(1);
    expect(switched[0]?.pointer?.attempts?.["curves#users"]).toBe(MERGED_ATTEMPT);
    // The shards' own attempts stay in the run item, not in the pointer every request reads.
    expect(Object.keys(switched[0]?.pointer?.attempts ?? {}).filter((k) => k.includes("@"))).toEqual([]);
    const got = await served(env.environment_id);
    expect(got).toEqual(expected);
    // Not a vacuous comparison: deleted users and the edge days are in it.
    expect((got["stickiness#30"] as { active: number }).active).toBeGreaterThan(5);
    expect((got["retention#Monthly"] as { cohorts: { size: number }[] }).cohorts.some((c) => c.size > 0)).toBe(true);
  });

  it("a redelivered plan queues the same shards, though the hour counters moved since", async () => {
    const env = await environment("replan");
    const first = await planRun(store, env.environment_id, T, { curveShardRows: 2 }, "same-job");
    await ingestEvents(
      store,
      env.environment_id,
      ["n1", "n2", "n3"].map((id, i) => ({
        type: "user.created",
        occurred_at: iso(T - 50 * DAY + i * HOUR),
        user_id: id,
      })),
      T,
    );
    const moved = await planUserCurveShards(store, env.environment_id, T, 2);
    const again = await planRun(store, env.environment_id, T, { curveShardRows: 2 }, "same-job");
    expect(again).toEqual(first);
    expect(moved).not.toEqual(first.filter((j) => j.part === "user_curves").map((j) => j.shard));
  });
});

describe("deliveries of curve shards", () => {
  it("a redelivered shard counts once; a failed merge is redone by the retry, serving the same answer", async () => {
    const env = await environment("merge-retry");
    const expected = await unsharded(env.environment_id);
    const jobs = await planRun(store, env.environment_id, T, { curveShardRows: 2 });
    const shards = jobs.filter((j) => j.part === "user_curves");
    await runAll(store, jobs.slice(0, -1));
    // A done shard delivered again: nothing recomputed, nothing counted twice.
    const again = await runPartJob(store, shards[0] as PartJob);
    expect(again.result).toBeUndefined();
    expect(again.pointer).toBeUndefined();
    // The last part completes the run, but the merged items' write fails: no switch, the message fails.
    const failing = interceptedStore(store, async (command, send) => {
      if (command instanceof BatchWriteCommand && JSON.stringify(command.input).includes(`#A${MERGED_ATTEMPT}`))
        throw new Error("injected fault");
      return send();
    });
    await expect(runPartJob(failing, jobs.at(-1) as PartJob)).rejects.toThrow("injected fault");
    expect((await readCurve(store, env.environment_id, "stickiness", "users", "30")).active).toBe(0);
    // SQS redelivers it: counted already, the run complete, so the merge and the switch are done now.
    const retried = await runPartJob(store, jobs.at(-1) as PartJob);
    expect(retried.result).toBeUndefined();
    expect(retried.pointer?.attempts?.["curves#users"]).toBe(MERGED_ATTEMPT);
    expect(await served(env.environment_id)).toEqual(expected);
    // A late duplicate after the switch merges the same bytes again and changes nothing served.
    await runPartJob(store, shards[1] as PartJob);
    expect(await served(env.environment_id)).toEqual(expected);
  });

  it("two deliveries of one shard at once, with ingestion between them: the counted delivery's tallies", async () => {
    const env = await environment("twice-shard");
    const expected = await unsharded(env.environment_id);
    const jobs = await planRun(store, env.environment_id, T, { curveShardRows: 2 });
    // The oldest shard: the late user's activity (before T, long ago) falls in its range.
    const oldest = jobs.find((j) => j.part === "user_curves" && j.shard?.from === wholeCurveRange(T).from) as PartJob;
    await runAll(
      store,
      jobs.filter((j) => j !== oldest),
    );
    const a = gatedDelivery(store, oldest);
    await a.reached;
    await ingestEvents(
      store,
      env.environment_id,
      // The newest key of the shard's range: folded first, whatever the shard hands on.
      [{ type: "user.created", occurred_at: iso(Date.parse(oldest.shard?.to as string) - 1), user_id: "late" }],
      T,
    );
    const b = gatedDelivery(store, oldest);
    await b.reached;
    a.release();
    const first = await a.done;
    b.release();
    const second = await b.done;
    expect(first.result).toBeDefined();
    expect(second.result).toBeUndefined();
    // The rest recorded with A's result, queued again by B (none, or the same one).
    expect(second.next).toEqual(first.next);
    const completed = [first, second, ...(await runAll(store, first.next))].filter((o) => o.pointer);
    expect(completed.length).toBeGreaterThan(0);
    // Delivery A's tallies (before the late user), not B's: exactly what the data before ingestion gives.
    expect(await served(env.environment_id)).toEqual(expected);
    // B did see the late user: the data now differs from what is served.
    expect(await unsharded(env.environment_id)).not.toEqual(expected);
  });
});
