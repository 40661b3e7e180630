import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { BatchWriteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { handler as dispatcher, dispatchRefreshJobs } from "../../functions/refreshDispatcher.js";
import { handler as worker } from "../../functions/refreshWorker.js";
import { logger } from "../../functions/shared/logger.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import { PART_NAMES, type PartName } from "../../lib/reports/refreshParts.js";
import { type PartJob, type PartOutcome, planRun, runPartJob } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { persistentStoreFromEnv } from "../../lib/storage/client.js";
import { runDeletionJob, startEnvironmentDeletion } from "../../lib/tenants/deletion.js";
import { gatedDelivery } from "../helpers/gatedDelivery.js";
import { interceptCommands } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { itemsMentioning } from "../tenants/fixtures.js";
import { getReport } from "./helpers.js";

const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

const record = (messageId: string, body: string): SQSRecord =>
  ({ messageId, body, receiptHandle: messageId, attributes: {}, messageAttributes: {} }) as unknown as SQSRecord;

const sqs = mockClient(SQSClient);
afterEach(() => {
  sqs.reset();
});

const queuedBodies = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.MessageBody ?? ""));

/** Runs a part and then, as the worker queues them, the parts it hands on (rests, user activity rows parts). */
async function runWithNext(job: PartJob): Promise<PartOutcome[]> {
  const outcome = await runPartJob(store, job);
  const after: PartOutcome[] = [];
  for (const next of outcome.next) after.push(...(await runWithNext(next)));
  return [outcome, ...after];
}

describe("refresh worker", () => {
  it("plans each environment into parts on the queue, reports only the failed records", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
    const now = Date.now();
    const good = await createEnvironment(store, "good", now - 10 * DAY);
    await ingestEvents(store, good.environment_id, [
      { type: "user.created", occurred_at: new Date(now - 9 * DAY).toISOString(), user_id: "old" },
    ]);
    const second = await createEnvironment(store, "second", now - 10 * DAY);
    const result = await worker({
      Records: [
        record("m1", JSON.stringify({ environment_id: good.environment_id })),
        record("m2", JSON.stringify({ environment_id: "env_does_not_exist" })),
        record("m3", "not json"),
        record("m4", JSON.stringify({ environment_id: second.environment_id })),
        record("m5", JSON.stringify({})),
      ],
    });
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: "m2" },
      { itemIdentifier: "m3" },
      { itemIdentifier: "m5" },
    ]);
    const parts = queuedBodies().map((b) => JSON.parse(b) as { environment_id: string; part: string });
    expect(
      parts
        .filter((p) => p.environment_id === good.environment_id)
        .map((p) => p.part)
        .sort(),
    ).toEqual([...PART_NAMES].sort());
    expect(parts.filter((p) => p.environment_id === second.environment_id)).toHaveLength(PART_NAMES.length);
    // Nothing is current before the parts ran: the creation's empty snapshot is still served.
    const before = (await getReport(good.api_key, "user_report/churn", { report_interval: "7" })).body as {
      report_time: number;
    };
    expect(before.report_time).toBe(Math.floor((now - 10 * DAY) / 1000));
  });

  it("refuses a malformed range or slice, and a user activity rows part before every tally is counted", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
    const now = Date.now();
    const env = await createEnvironment(store, "part-messages", now - 10 * DAY);
    const jobs = await planRun(store, env.environment_id, now);
    const tally = jobs.find((j) => j.part === "user_activity") as PartJob;
    expect(tally.range).toEqual({});
    const { range: _range, ...base } = tally;
    const result = await worker({
      Records: [
        record("bad-range", JSON.stringify({ ...base, range: { from: 5 } })),
        record("bad-slice", JSON.stringify({ ...base, slice: -1 })),
        record("early-rows", JSON.stringify({ ...base, slice: 0 })),
      ],
    });
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: "bad-range" },
      { itemIdentifier: "bad-slice" },
      { itemIdentifier: "early-rows" },
    ]);
    // Counted, the (only) tally queues the rows part, which then runs.
    const tallied = await runPartJob(store, tally);
    expect(tallied.next).toEqual([{ ...base, slice: 0 }]);
    expect(
      (await worker({ Records: [record("rows", JSON.stringify({ ...base, slice: 0 }))] })).batchItemFailures,
    ).toEqual([]);
  });

  it("a failing part is retried alone; the snapshot switches once every part is counted, once", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
    const now = Date.now();
    const env = await createEnvironment(store, "parts", now - 10 * DAY);
    await ingestEvents(store, env.environment_id, [
      { type: "user.created", occurred_at: new Date(now - 9 * DAY).toISOString(), user_id: "old" },
    ]);
    const planned = await worker({ Records: [record("plan", JSON.stringify({ environment_id: env.environment_id }))] });
    expect(planned.batchItemFailures).toEqual([]);
    const parts = queuedBodies().map((body, i) => record(`p${i}`, body));

    // The first write of the first part (user churn) fails; every other part completes.
    let writes = 0;
    const restore = interceptCommands(persistentStoreFromEnv().doc, async (command, send) => {
      if (command instanceof BatchWriteCommand && ++writes === 1) throw new Error("injected fault");
      return send();
    });
    const first = await worker({ Records: parts });
    restore();
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: "p0" }]);
    // The user activity tally and the list parts' gathers, counted, queued their rows parts: they run too.
    const rows = queuedBodies()
      .slice(parts.length)
      .map((body, i) => record(`rows${i}`, body));
    expect(
      rows.map((r) => [(JSON.parse(r.body) as PartJob).part, (JSON.parse(r.body) as PartJob).slice]).sort(),
    ).toEqual([
      ["org_activity", 0],
      ["org_changes", 0],
      ["user_activity", 0],
      ["user_invites", 0],
    ]);
    expect((await worker({ Records: rows })).batchItemFailures).toEqual([]);
    const waiting = (await getReport(env.api_key, "user_report/churn", { report_interval: "7" })).body as {
      report_time: number;
    };
    expect(waiting.report_time).toBe(Math.floor((now - 10 * DAY) / 1000));

    // SQS redelivers the failed part alone, and a duplicate of a done part changes nothing.
    const retried = await worker({ Records: [parts[0] as SQSRecord, parts[3] as SQSRecord] });
    expect(retried.batchItemFailures).toEqual([]);
    const churn = (await getReport(env.api_key, "user_report/churn", { report_interval: "7" })).body as {
      report_time: number;
      total_count: number;
      user_reports: { user_id: string }[];
    };
    expect(churn.report_time).toBeGreaterThanOrEqual(Math.floor(now / 1000));
    expect(churn.user_reports.map((r) => r.user_id)).toEqual(["old"]);
    const champion = (await getReport(env.api_key, "user_report/champion", { report_interval: "30" })).body as {
      total_count: number;
    };
    expect(champion.total_count).toBe(1);
  });
  it("a churn shard over its budget hands the rest on; the snapshot switches once the last rest is counted", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
    const now = Date.now();
    const env = await createEnvironment(store, "shards", now - 100 * DAY);
    // 9 dormant users: last active 40..10 days ago, u3/u4 and u6/u7 tied (a tie group is never cut in two).
    const lastActiveDaysAgo: Record<string, number> = {
      u1: 40,
      u2: 35,
      u3: 30,
      u4: 30,
      u5: 25,
      u6: 20,
      u7: 20,
      u8: 15,
      u9: 10,
    };
    // Users created (and last active) so many days ago.
    const createDormant = (daysAgo: Record<string, number>) =>
      ingestEvents(
        store,
        env.environment_id,
        Object.entries(daysAgo).map(([user_id, days]) => ({
          type: "user.created",
          occurred_at: new Date(now - days * DAY).toISOString(),
          user_id,
        })),
      );
    await createDormant(lastActiveDaysAgo);
    const whole = await planRun(store, env.environment_id, now);
    expect(whole.filter((j) => j.part === "user_churn")).toHaveLength(1);
    // Shards of ≤ 2 rows, planned from the hour counters (an hour is never split): u9 u8 | u7 u6 | u5 | u4 u3 | u2 u1.
    const small = await planRun(store, env.environment_id, now + 1000, { shardRows: 2 });
    expect(small.filter((j) => j.part === "user_churn")).toHaveLength(5);
    // Data moves between the plan and the parts: 3 more dormant users land in the oldest shard, over its budget.
    await createDormant({ u10: 36, u11: 37, u12: 38 });
    let queue = small.map((job, i) => record(`s${i}`, JSON.stringify(job)));
    const rounds: string[][] = [];
    while (queue.length > 0) {
      sqs.resetHistory();
      const result = await worker({ Records: queue });
      expect(result.batchItemFailures).toEqual([]);
      const bodies = queuedBodies();
      rounds.push(bodies);
      queue = bodies.map((body, i) => record(`r${rounds.length}-${i}`, body));
      if (queue.length > 0) {
        // A rest is pending: the run is not complete, the snapshot of the environment's creation is still served.
        const waiting = (await getReport(env.api_key, "user_report/churn", { report_interval: "7" })).body as {
          report_time: number;
        };
        expect(waiting.report_time).toBe(Math.floor((now - 100 * DAY) / 1000));
      }
    }
    // The oldest shard u2 u10 | u11 u12 | u1: two rests, one after the other (the other rounds: user activity's).
    const churnParts = (bodies: string[]) => bodies.filter((b) => (JSON.parse(b) as PartJob).part === "user_churn");
    expect(rounds.map((r) => churnParts(r).length).join()).toMatch(/^1,1(,0)+$/);
    const ranked = ["u9", "u8", "u6", "u7", "u5", "u3", "u4", "u2", "u10", "u11", "u12", "u1"];
    for (const [interval, expected] of [
      ["7", ranked],
      ["14", ranked.slice(1)],
      ["30", ranked.slice(5)],
    ] as const) {
      const ids: string[] = [];
      for (let page = 0; ; page++) {
        const body = (
          await getReport(env.api_key, "user_report/churn", {
            report_interval: interval,
            page_number: String(page),
            page_size: "3",
          })
        ).body as { report_time: number; total_count: number; user_reports: { user_id: string }[] };
        expect(body.report_time).toBe(Math.floor((now + 1000) / 1000));
        expect(body.total_count).toBe(expected.length);
        if (body.user_reports.length === 0) break;
        ids.push(...body.user_reports.map((r) => r.user_id));
      }
      expect(ids, `churn ${interval}`).toEqual(expected);
    }
    // Redelivered, the shards that handed a rest on queue that same rest again (not one recomputed); nothing counts twice.
    sqs.resetHistory();
    const again = await worker({ Records: small.map((job, i) => record(`again${i}`, JSON.stringify(job))) });
    expect(again.batchItemFailures).toEqual([]);
    expect(churnParts(queuedBodies())).toEqual(churnParts(rounds[0] ?? []));
    const after = (await getReport(env.api_key, "user_report/churn", { report_interval: "7" })).body as {
      total_count: number;
    };
    expect(after.total_count).toBe(ranked.length);
  });
});

describe("churn shards planned from the hour counters", () => {
  it("T − 7 days on the hour: no empty shard of that hour, every shard its own id, the run completes", async () => {
    // fast-check's counterexample: the last activity exactly at T − 7 d sits in an hour wholly after the range.
    const T = Date.parse("2024-03-15T00:00:00.000Z");
    const env = await createEnvironment(store, "on-the-hour", T - 400 * DAY);
    await ingestEvents(
      store,
      env.environment_id,
      [
        { type: "org.member_added", occurred_at: "2024-03-08T00:00:00.000Z", org_id: "o0", user_id: "u0" },
        { type: "user.active", occurred_at: "2023-12-06T00:00:00.000Z", user_id: "u3" },
      ],
      T,
    );
    const jobs = await planRun(store, env.environment_id, T, { shardRows: 1 });
    const shards = jobs.filter((j) => j.part === "user_churn").map((j) => j.shard);
    for (const shard of shards) if (shard?.from !== undefined) expect(shard.from < shard.to).toBe(true);
    expect(new Set(shards.map((s) => s?.to)).size).toBe(shards.length);
    const { report_time } = await refreshEnvironment(store, env.environment_id, T, { shardRows: 1 });
    expect(report_time).toBe(T / 1000);
    const churn = (await getReport(env.api_key, "user_report/churn", { report_interval: "7" })).body as {
      user_reports: { user_id: string }[];
    };
    expect(churn.user_reports.map((r) => r.user_id)).toEqual(["u3"]);
  });
});

describe("refresh dispatcher", () => {
  it("queues one message per environment, 10 per SendMessageBatch", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const ids = Array.from({ length: 23 }, (_, i) => `env_${i}`);
    await dispatchRefreshJobs(new SQSClient({ region: "us-east-1" }), "https://queue", ids);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const bodies = calls.flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "")));
    expect(bodies).toEqual(ids.map((environment_id) => ({ environment_id })));
    for (const call of calls) expect(call.args[0].input.QueueUrl).toBe("https://queue");
  });

  it("sends again the entries SQS reports failed, and fails when they keep failing", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: "1", SenderFault: false, Code: "InternalError" }] })
      .resolves({ Failed: [] });
    await dispatchRefreshJobs(new SQSClient({ region: "us-east-1" }), "https://queue", ["a", "b", "c"]);
    const retried = sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries ?? [];
    expect(retried.map((e) => JSON.parse(e.MessageBody ?? ""))).toEqual([{ environment_id: "b" }]);

    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: "0", SenderFault: false, Code: "InternalError" }] });
    await expect(dispatchRefreshJobs(new SQSClient({ region: "us-east-1" }), "https://queue", ["a"])).rejects.toThrow();
  });

  it("the scheduled handler lists the environments and queues them", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    const a = await createEnvironment(store, "a");
    process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
    const result = await dispatcher();
    const queued = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "").environment_id));
    expect(queued).toContain(a.environment_id);
    expect(result.queued).toBe(queued.length);
  });
});

describe("a part delivered twice at the same time", () => {
  const ids = (body: unknown, list: "user_reports" | "org_reports" = "user_reports") =>
    ((body as Record<string, { user_id?: string; org_id?: string }[]>)[list] ?? []).map(
      (r) => r.user_id ?? r.org_id ?? "",
    );

  /**
   * u1 (active on 3 days) and u2 (on 2) before T; every part but `partName` done; then two deliveries of it at once,
   * with u3's late events (before T, on 5 days) ingested after A computed and before B did; A counts first.
   */
  async function twoDeliveriesAroundLateEvents(name: string, partName: PartName) {
    const now = Date.now();
    const env = await createEnvironment(store, name, now - 100 * DAY);
    const active = (user_id: string, daysAgo: number[]) =>
      daysAgo.map((d) => ({ type: "user.active", occurred_at: new Date(now - d * DAY).toISOString(), user_id }));
    await ingestEvents(store, env.environment_id, [...active("u1", [50, 3, 2, 1]), ...active("u2", [50, 2, 1])]);
    const jobs = await planRun(store, env.environment_id, now);
    for (const job of jobs) if (job.part !== partName) await runWithNext(job);
    const part = jobs.find((j) => j.part === partName) as PartJob;

    const a = gatedDelivery(store, part);
    await a.reached;
    // Events before T arrive late: a delivery computing now sees u3 too.
    await ingestEvents(store, env.environment_id, active("u3", [50, 5, 4, 3, 2, 1]));
    const b = gatedDelivery(store, part);
    await b.reached;
    a.release();
    const first = await a.done;
    b.release();
    const second = await b.done;
    return { env, first, second };
  }

  it("with ingestion between the deliveries, serves what the delivery that counted computed (user activity)", async () => {
    const { env, first, second } = await twoDeliveriesAroundLateEvents("twice-activity", "user_activity");
    expect(first.result).toBeDefined();
    // The tally that counted queues the rows parts; the other, not counted, queues the same ones again.
    expect(second.result).toBeUndefined();
    expect(first.next.map((j) => j.slice)).toEqual([0]);
    expect(second.next).toEqual(first.next);
    const rows = await runWithNext(first.next[0] as PartJob);
    expect(rows[0]?.pointer).toBeDefined();
    const again = await runWithNext(second.next[0] as PartJob);
    expect(again[0]?.result).toBeUndefined();
    expect(again[0]?.pointer).toEqual(rows[0]?.pointer);

    // What delivery A alone gives: the data before the late events.
    const champion = (await getReport(env.api_key, "user_report/champion", { report_interval: "30" })).body as {
      total_count: number;
      user_reports: { user_id: string; extra_properties: { num_active_days: number } }[];
    };
    expect(champion.total_count).toBe(2);
    expect(ids(champion)).toEqual(["u1", "u2"]);
    expect(champion.user_reports.map((r) => r.extra_properties.num_active_days)).toEqual([3, 2]);
    const paged: string[] = [];
    for (const page of ["0", "1"])
      paged.push(
        ...ids(
          (
            await getReport(env.api_key, "user_report/champion", {
              report_interval: "30",
              page_size: "1",
              page_number: page,
            })
          ).body,
        ),
      );
    expect(paged).toEqual(["u1", "u2"]);
  });

  it("the curves part (no rank lists): the counted delivery's stickiness, not the later one's", async () => {
    const { env, first, second } = await twoDeliveriesAroundLateEvents("twice-curves", "user_curves");
    expect(first.result).toBeDefined();
    expect(second.pointer).toBeDefined();
    const sticky = (await getReport(env.api_key, "stickiness", { report_interval: "30" })).body as { active: number };
    expect(sticky.active).toBe(2); // u1 and u2: what delivery A computed before u3's late events
  });

  it("a churn shard: the counted delivery's rows and its recorded rest (none), not the other's", async () => {
    const now = Date.now();
    const env = await createEnvironment(store, "twice-churn", now - 100 * DAY);
    const dormant = (daysAgo: Record<string, number>) =>
      ingestEvents(
        store,
        env.environment_id,
        Object.entries(daysAgo).map(([user_id, d]) => ({
          type: "user.created",
          occurred_at: new Date(now - d * DAY).toISOString(),
          user_id,
        })),
      );
    await dormant({ u1: 40, u2: 35, u3: 30 });
    // One shard of ≤ 3 rows: the three dormant users, no rest.
    const jobs = await planRun(store, env.environment_id, now, { shardRows: 3 });
    const shards = jobs.filter((j) => j.part === "user_churn");
    expect(shards).toHaveLength(1);
    for (const job of jobs) if (job.part !== "user_churn") await runWithNext(job);

    const a = gatedDelivery(store, shards[0] as PartJob);
    await a.reached;
    // A newer dormant user: a delivery computing now has u4 u3 u2 and hands u1 on as a rest.
    await dormant({ u4: 20 });
    const b = gatedDelivery(store, shards[0] as PartJob);
    await b.reached;
    a.release();
    const first = await a.done;
    b.release();
    const second = await b.done;
    expect(first.result?.rest).toBeUndefined();
    expect(first.next).toEqual([]);
    // B computed a rest but did not count: it queues the recorded rest (none), so the run stays complete.
    expect(second.result).toBeUndefined();
    expect(second.next).toEqual([]);
    expect(first.pointer).toBeDefined();

    for (const [interval, expected] of [
      ["7", ["u3", "u2", "u1"]],
      ["30", ["u2", "u1"]],
    ] as const) {
      const churn = (await getReport(env.api_key, "user_report/churn", { report_interval: interval })).body as {
        total_count: number;
      };
      expect(churn.total_count).toBe(expected.length);
      expect(ids(churn), `churn ${interval}`).toEqual(expected);
    }
  });
});

describe("a refresh job queued for a deleted environment", () => {
  it("ends quietly, with a log line: no failure to retry or dead-letter, nothing written, nothing queued", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
    const now = Date.now();
    const env = await createEnvironment(store, "deleted", now - 10 * DAY);
    await ingestEvents(store, env.environment_id, [
      { type: "user.created", occurred_at: new Date(now - 9 * DAY).toISOString(), user_id: "u1" },
    ]);
    const plan = record("plan", JSON.stringify({ environment_id: env.environment_id }));
    expect((await worker({ Records: [plan] })).batchItemFailures).toEqual([]);
    const parts = queuedBodies().map((body, i) => record(`p${i}`, body));
    expect(parts).toHaveLength(PART_NAMES.length);

    await startEnvironmentDeletion(store, env.environment_id);
    expect((await runDeletionJob(store, env.environment_id)).done).toBe(true);
    sqs.resetHistory();
    const info = vi.spyOn(logger, "info");
    const result = await worker({ Records: [record("plan-again", plan.body), ...parts] });
    expect(result.batchItemFailures).toEqual([]);
    expect(queuedBodies()).toEqual([]);
    const skipped = info.mock.calls.filter(([message]) => message === "refresh skipped: environment deleted");
    expect(skipped).toHaveLength(parts.length + 1);
    info.mockRestore();
    // Nothing of the environment was written again (the deletion's completion record aside).
    const left = (await itemsMentioning(store, env.environment_id)).filter((x) => x.item.pk !== "DELETIONS");
    expect(left).toEqual([]);
  });

  it("a part whose environment is deleted while it runs ends quietly too", async () => {
    const now = Date.now();
    const env = await createEnvironment(store, "deleted-while-running", now - 10 * DAY);
    const jobs = await planRun(store, env.environment_id, now);
    const part = jobs.find((j) => j.part === "user_invites") as PartJob;
    // The deletion starts and removes the run after the part began.
    const restore = interceptCommands(persistentStoreFromEnv().doc, async (command, send) => {
      const answer = await send();
      if (
        command instanceof GetCommand &&
        String((command.input as { Key?: { pk?: string } }).Key?.pk).includes("#RUN#")
      ) {
        restore();
        await startEnvironmentDeletion(store, env.environment_id);
        await runDeletionJob(store, env.environment_id);
      }
      return answer;
    });
    const result = await worker({ Records: [record("late", JSON.stringify(part))] });
    restore();
    expect(result.batchItemFailures).toEqual([]);
  });
});
