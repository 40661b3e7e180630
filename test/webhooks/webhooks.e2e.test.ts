import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { handler as refreshWorker } from "../../functions/refreshWorker.js";
import { handler as deliveryWorker } from "../../functions/webhookDelivery.js";
import { handler as dispatchWorker } from "../../functions/webhookDispatcher.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { refreshEnvironmentPointer } from "../../lib/reports/refresh.js";
import { planRun, runPartJob } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { type DeliveryJob, dispatchDeliveries, dispatchJobOf } from "../../lib/webhooks/dispatch.js";
import { aesSecretBox, localSecretsKey } from "../../lib/webhooks/secretBox.js";
import { LocalWebhookQueue } from "../../scripts/lib/webhookQueue.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { testStore } from "../helpers/store.js";
import { type Receiver, startReceiver } from "./receiver.js";

const DAY = 86_400_000;
/** Each test runs two or three whole refreshes on DynamoDB Local (slow on a shared machine). */
const SLOW = 240_000;
const NOW = Math.floor(Date.now() / 1000) * 1000;
let store: Store;
const receivers: Receiver[] = [];
const box = aesSecretBox(localSecretsKey());

beforeAll(async () => {
  store = await testStore();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});
const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

async function receiver(port: number, behaviour: { fail?: number; hang?: boolean } = {}) {
  const r = await startReceiver(port, behaviour);
  receivers.push(r);
  return r;
}

function admin(...argv: string[]) {
  return runAdminCaptured(argv, { store: () => store, webhookSecrets: () => ({ box, deployed: false }) });
}

async function addWebhook(environmentId: string, target: Receiver, reports = "user_report.churn.7") {
  const added = await admin(
    "webhook",
    "add",
    "--environment",
    environmentId,
    "--url",
    target.url,
    "--reports",
    reports,
  );
  expect(added.stderr).toBe("");
  const created = JSON.parse(added.stdout) as { webhook_id: string; secret: string };
  target.setSecret(created.secret);
  return created;
}

/** An environment whose churn-7 list gains `late` users between a snapshot at NOW − 5 d and one at NOW. */
async function churningEnvironment(name: string, late: number) {
  const env = await createEnvironment(store, name, NOW - 40 * DAY);
  const at = (ms: number) => new Date(ms).toISOString();
  const events = [];
  for (let i = 0; i < 3; i++) {
    events.push({ type: "user.created", occurred_at: at(NOW - 30 * DAY), user_id: `old-${i}` });
    events.push({ type: "user.active", occurred_at: at(NOW - 20 * DAY), user_id: `old-${i}` });
  }
  // Active 9 days before NOW: 4 days before the first snapshot (not churned at 7), 9 before the second (churned).
  for (let i = 0; i < late; i++) {
    events.push({ type: "user.created", occurred_at: at(NOW - 30 * DAY), user_id: `late-${i}` });
    events.push({ type: "user.active", occurred_at: at(NOW - 9 * DAY), user_id: `late-${i}` });
  }
  for (let i = 0; i < events.length; i += 200)
    await ingestEvents(store, env.environment_id, events.slice(i, i + 200), NOW);
  return env;
}

/** Ticks the local queue until `done` holds (or fails after `ms`). */
async function drain(queue: LocalWebhookQueue, done: () => boolean, ms = 120_000) {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error("webhook deliveries did not arrive in time");
    queue.tick();
    await new Promise((r) => setTimeout(r, 25));
  }
}

const record = (messageId: string, body: unknown, receiveCount = 1): SQSRecord =>
  ({
    messageId,
    body: JSON.stringify(body),
    receiptHandle: `rh-${messageId}`,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
  }) as unknown as SQSRecord;

describe("webhook add | list | remove", () => {
  it("prints the secret once, stores it sealed, lists without it, removes", async () => {
    const env = await createEnvironment(store, "cli", NOW);
    const target = await receiver(3111);
    const created = await addWebhook(env.environment_id, target, "user_report.churn.7,org_report.attrition.30");
    expect(created.webhook_id).toMatch(/^wh_/);
    expect(created.secret).toMatch(/^whsec_/);
    const stored = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.webhook(env.environment_id, created.webhook_id) }),
    );
    expect(JSON.stringify(stored.Item)).not.toContain(created.secret.slice(6));
    expect(stored.Item?.secret_sealed).toMatch(/^aes:/);

    const listed = await admin("webhook", "list", "--environment", env.environment_id);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(created.secret.slice(6));
    expect(JSON.parse(listed.stdout)).toEqual({
      webhooks: [
        {
          webhook_id: created.webhook_id,
          url: target.url,
          reports: ["user_report.churn.7", "org_report.attrition.30"],
          created_at: expect.any(String),
        },
      ],
    });

    const unknown = await admin(
      "webhook",
      "add",
      "--environment",
      env.environment_id,
      "--url",
      target.url,
      "--reports",
      "user_report.churn.8",
    );
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toBe(
      'error: unknown report × interval "user_report.churn.8": user_report.churn has intervals 7, 14, 30\n',
    );
    const plainHttp = await admin(
      "webhook",
      "add",
      "--environment",
      env.environment_id,
      "--url",
      "http://hooks.example.com/",
      "--reports",
      "user_report.churn.7",
    );
    expect(plainHttp.stderr).toMatch(/must be https/);
    const noEnv = await admin(
      "webhook",
      "add",
      "--environment",
      "env_missing",
      "--url",
      target.url,
      "--reports",
      "user_report.churn.7",
    );
    expect(noEnv.code).toBe(1);

    expect(
      JSON.parse(
        (await admin("webhook", "remove", "--environment", env.environment_id, "--webhook-id", created.webhook_id))
          .stdout,
      ),
    ).toEqual({ removed: true });
    expect(
      (await admin("webhook", "remove", "--environment", env.environment_id, "--webhook-id", created.webhook_id))
        .stderr,
    ).toMatch(/no webhook/);
    expect(JSON.parse((await admin("webhook", "list", "--environment", env.environment_id)).stdout)).toEqual({
      webhooks: [],
    });
  });
});

describe("deliveries after a refresh", () => {
  it(
    "sends nothing for the first snapshot, then the users that churned, signed, ≤ 100 rows, the same webhook-id on retries",
    async () => {
      const env = await churningEnvironment("churn", 150);
      const good = await receiver(3112);
      const flaky = await receiver(3113, { fail: 2 });
      const goodHook = await addWebhook(env.environment_id, good);
      await addWebhook(env.environment_id, flaky);
      const queue = new LocalWebhookQueue(store, box, { retryDelayMs: () => 50 });

      const first = await refreshEnvironmentPointer(store, env.environment_id, NOW - 5 * DAY);
      expect(first.previous_report_id).toBe("initial");
      queue.enqueueDispatch(dispatchJobOf(env.environment_id, first));
      queue.tick();
      await queue.settled();
      expect(queue.waiting).toBe(0);
      expect(good.received).toEqual([]);

      const second = await refreshEnvironmentPointer(store, env.environment_id, NOW);
      expect(second.previous_report_id).toBe(first.report_id);
      queue.enqueueDispatch(dispatchJobOf(env.environment_id, second));
      await drain(
        queue,
        () => good.received.length === 2 && flaky.received.filter((r) => r.status === 204).length === 2,
      );
      await queue.settled();

      // Every request verified with the standardwebhooks package.
      expect([...good.received, ...flaky.received].every((r) => r.payload !== undefined)).toBe(true);
      const payloads = good.received.map(
        (r) => r.payload as Record<string, unknown> & { rows: { user_id: string; report_id: string }[] },
      );
      for (const p of payloads) {
        expect(p).toMatchObject({
          type: "report.entered",
          report: "user_report/churn",
          report_interval: "7",
          report_time: second.report_time,
          previous_report_time: first.report_time,
        });
        expect(p.rows.length).toBeLessThanOrEqual(100);
        expect(p.rows.every((row) => row.report_id === second.report_id)).toBe(true);
      }
      const entered = payloads.flatMap((p) => p.rows.map((row) => row.user_id)).sort();
      expect(entered).toEqual(Array.from({ length: 150 }, (_, i) => `late-${i}`).sort());

      // The flaky receiver: each delivery failed twice, then arrived, with one webhook-id throughout.
      const byId = new Map<string, (number | string)[]>();
      for (const r of flaky.received)
        byId.set(String(r.headers["webhook-id"]), [...(byId.get(String(r.headers["webhook-id"])) ?? []), r.status]);
      expect([...byId.values()]).toEqual([
        [500, 500, 204],
        [500, 500, 204],
      ]);
      expect(queue.deadLetters).toEqual([]);

      // A redelivered dispatch queues the very same deliveries (ids and payloads).
      const job = dispatchJobOf(env.environment_id, second);
      if (!job) throw new Error("no dispatch job");
      const planned = async () => {
        const out: DeliveryJob[] = [];
        await dispatchDeliveries(store, job, async (d) => {
          out.push(...d);
        });
        return out;
      };
      const once = await planned();
      expect(await planned()).toEqual(once);
      // Deliveries run side by side: the receiver may see them in either order.
      expect(
        once
          .filter((d) => d.webhook_id === goodHook.webhook_id)
          .map((d) => d.delivery_id)
          .sort(),
      ).toEqual(good.received.map((r) => String(r.headers["webhook-id"])).sort());

      // The stack's dispatcher Lambda queues exactly these on the delivery queue.
      process.env.WEBHOOK_DELIVERY_QUEUE_URL = "https://delivery-queue";
      sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
      expect(await dispatchWorker({ Records: [record("d1", job), record("d2", { nope: 1 })] })).toEqual({
        batchItemFailures: [{ itemIdentifier: "d2" }],
      });
      const sent = sqs
        .commandCalls(SendMessageBatchCommand)
        .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "") as DeliveryJob));
      expect(sent).toEqual(once);
    },
    SLOW,
  );

  it(
    "a receiver that never answers holds neither the refresh nor another receiver",
    async () => {
      const env = await churningEnvironment("hang", 5);
      const good = await receiver(3114);
      const silent = await receiver(3115, { hang: true });
      await addWebhook(env.environment_id, silent);
      await addWebhook(env.environment_id, good);
      // A deadline longer than the refresh below, so the request is still open when the refresh ends.
      const queue = new LocalWebhookQueue(store, box, { retryDelayMs: () => 50, timeoutMs: 120_000 });
      await refreshEnvironmentPointer(store, env.environment_id, NOW - 5 * DAY);
      const second = await refreshEnvironmentPointer(store, env.environment_id, NOW);
      const job = dispatchJobOf(env.environment_id, second);
      queue.enqueueDispatch(job);
      await drain(queue, () => silent.open === 1 && good.received.length === 1);
      // The silent receiver holds its request open, and meanwhile a refresh runs to its end and the other arrived.
      const third = await refreshEnvironmentPointer(store, env.environment_id, NOW + 1000);
      expect(third.previous_report_id).toBe(second.report_id);
      expect(silent.open).toBe(1);
      expect(good.received[0]?.status).toBe(204);
      // With a short deadline an attempt fails when it passes and is tried again, with the same webhook-id.
      const impatient = new LocalWebhookQueue(store, box, { retryDelayMs: () => 50, timeoutMs: 300 });
      impatient.enqueueDispatch(job);
      await drain(impatient, () => silent.received.length >= 3);
      expect(new Set(silent.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    },
    SLOW,
  );
});

describe("the stack's workers", () => {
  it(
    "the refresh worker queues the dispatch of the snapshot it switched",
    async () => {
      const env = await churningEnvironment("worker", 2);
      await refreshEnvironmentPointer(store, env.environment_id, NOW - 5 * DAY);
      process.env.REFRESH_QUEUE_URL = "https://refresh-queue";
      process.env.WEBHOOK_DISPATCH_QUEUE_URL = "https://dispatch-queue";
      sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
      const jobs = await planRun(store, env.environment_id, NOW, {}, "run-key");
      // Parts hand on more parts (user activity's rows parts, once its tallies are counted): run until none is queued.
      const queuedParts = (from: number) =>
        sqs
          .commandCalls(SendMessageBatchCommand)
          .slice(from)
          .filter((c) => c.args[0].input.QueueUrl === "https://refresh-queue")
          .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "")));
      let batch: unknown[] = jobs;
      for (let round = 0; batch.length > 0; round++) {
        const seen = sqs.commandCalls(SendMessageBatchCommand).length;
        const result = await refreshWorker({ Records: batch.map((j, i) => record(`r${round}p${i}`, j)) });
        expect(result.batchItemFailures).toEqual([]);
        batch = queuedParts(seen);
        expect(round).toBeLessThan(5);
      }
      const dispatched = sqs
        .commandCalls(SendMessageBatchCommand)
        .filter((c) => c.args[0].input.QueueUrl === "https://dispatch-queue")
        .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "")));
      const pointer = (
        await store.doc.send(
          new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(env.environment_id) }),
        )
      ).Item;
      expect(dispatched).toEqual([
        {
          environment_id: env.environment_id,
          report_id: jobs[0]?.report_id,
          previous_report_id: pointer?.previous_report_id,
        },
      ]);
      expect(pointer?.report_id).toBe(jobs[0]?.report_id);
      // A redelivered part switches again and keeps the snapshot it replaced the first time.
      const again = await runPartJob(store, jobs[0] as (typeof jobs)[number]);
      expect(again.pointer?.previous_report_id).toBe(pointer?.previous_report_id);
      expect(pointer?.previous_report_id).not.toBe(pointer?.report_id);
    },
    SLOW,
  );

  it("the delivery worker refuses a loopback receiver (SSRF) and backs off; drops a removed webhook's", async () => {
    const env = await createEnvironment(store, "ssrf", NOW);
    const local = await receiver(3116);
    const created = await addWebhook(env.environment_id, local);
    process.env.WEBHOOK_DELIVERY_QUEUE_URL = "https://delivery-queue";
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const job: DeliveryJob = {
      environment_id: env.environment_id,
      webhook_id: created.webhook_id,
      delivery_id: "msg_1",
      payload: "{}",
    };
    const gone: DeliveryJob = { ...job, webhook_id: "wh_removed", delivery_id: "msg_2" };
    const result = await deliveryWorker({ Records: [record("m1", job, 1), record("m2", gone), record("m3", job, 8)] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m1" }, { itemIdentifier: "m3" }]);
    expect(local.received).toEqual([]);
    // The batch's deliveries run side by side: their visibility changes come in either order.
    const visibility = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    visibility.sort((a, b) => String(a.ReceiptHandle).localeCompare(String(b.ReceiptHandle)));
    expect(visibility).toEqual([
      { QueueUrl: "https://delivery-queue", ReceiptHandle: "rh-m1", VisibilityTimeout: 5 },
      { QueueUrl: "https://delivery-queue", ReceiptHandle: "rh-m3", VisibilityTimeout: 0 },
    ]);
  });
});
