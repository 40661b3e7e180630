import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { currentPointer } from "../../lib/reports/read.js";
import type { Store } from "../../lib/storage/client.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { testStore } from "../helpers/store.js";

/**
 * On a deployment (WEBHOOK_DISPATCH_QUEUE_URL set), `npm run admin -- refresh` queues the switched snapshot's webhook
 * dispatch as the refresh worker does (CONTRACT §7: it "does the same"; §12: deliveries "after each refresh"). SQS
 * is the one mocked part: the refresh itself runs on DynamoDB Local.
 */

const URL = "https://sqs.local/webhook-dispatch";
let store: Store;
beforeAll(async () => {
  store = await testStore();
});

async function refresh(environmentId: string, queue: SQSClient | undefined) {
  const { code, stderr } = await runAdminCaptured(["refresh", "--environment", environmentId], {
    store: () => store,
    webhookDispatchQueue: () => (queue ? { client: queue, url: URL } : undefined),
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
}

describe("admin refresh on a deployment", () => {
  it("queues the dispatch of the snapshot it switched, naming the one it replaced", async () => {
    const { environment_id: e } = await createEnvironment(store, "cli-dispatch");
    const client = new SQSClient({ region: "us-east-1" });
    const sqs = mockClient(client);
    sqs.on(SendMessageCommand).resolves({ MessageId: "m" });

    const created = await currentPointer(store, e);
    await refresh(e, client);
    const first = await currentPointer(store, e);
    await refresh(e, client);
    const second = await currentPointer(store, e);

    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: URL,
        MessageBody: JSON.stringify({
          environment_id: e,
          report_id: first.report_id,
          previous_report_id: created.report_id,
        }),
      },
      {
        QueueUrl: URL,
        MessageBody: JSON.stringify({
          environment_id: e,
          report_id: second.report_id,
          previous_report_id: first.report_id,
        }),
      },
    ]);
    // Locally (no queue named) it queues nothing: `npm start` finds the switch itself.
    sqs.reset();
    await refresh(e, undefined);
    expect(sqs.commandCalls(SendMessageCommand)).toEqual([]);
  });
});
