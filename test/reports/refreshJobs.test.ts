import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { handler as dispatcher, dispatchRefreshJobs } from "../../functions/refreshDispatcher.js";
import { handler as worker } from "../../functions/refreshWorker.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { testStore } from "../helpers/store.js";
import { getReport } from "./helpers.js";

const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

const record = (messageId: string, body: string): SQSRecord =>
  ({ messageId, body, receiptHandle: messageId, attributes: {}, messageAttributes: {} }) as unknown as SQSRecord;

describe("refresh worker", () => {
  it("refreshes each environment of the batch and reports only the failed records", async () => {
    const now = Date.now();
    const good = await createEnvironment(store, "good", now - 10 * DAY);
    await ingestEvents(store, good.environment_id, [
      { type: "user.created", occurred_at: new Date(now - 9 * DAY).toISOString(), user_id: "old" },
    ]);
    const second = await createEnvironment(store, "second", now - 10 * DAY);
    const event: SQSEvent = {
      Records: [
        record("m1", JSON.stringify({ environment_id: good.environment_id })),
        record("m2", JSON.stringify({ environment_id: "env_does_not_exist" })),
        record("m3", "not json"),
        record("m4", JSON.stringify({ environment_id: second.environment_id })),
        record("m5", JSON.stringify({})),
      ],
    };
    const result = await worker(event);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: "m2" },
      { itemIdentifier: "m3" },
      { itemIdentifier: "m5" },
    ]);

    const churn = (await getReport(good.api_key, "user_report/churn", { report_interval: "7" })).body as {
      report_time: number;
      user_reports: { user_id: string }[];
    };
    // Refreshed at the job's start (not the creation's empty snapshot), and computed.
    expect(churn.report_time).toBeGreaterThanOrEqual(Math.floor(now / 1000));
    expect(churn.user_reports.map((r) => r.user_id)).toEqual(["old"]);
    const alsoRefreshed = (await getReport(second.api_key, "user_report/churn", { report_interval: "7" })).body as {
      report_time: number;
    };
    expect(alsoRefreshed.report_time).toBeGreaterThanOrEqual(Math.floor(now / 1000));
  });
});

describe("refresh dispatcher", () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => {
    sqs.reset();
  });

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
