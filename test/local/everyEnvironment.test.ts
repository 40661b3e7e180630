import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { aesSecretBox, localSecretsKey } from "../../lib/webhooks/secretBox.js";
import { type DemoServer, startDemoServer } from "../../scripts/lib/demoServer.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { testStore } from "../helpers/store.js";
import { type Receiver, startReceiver } from "../webhooks/receiver.js";

/**
 * `npm start` serves every environment of its tables, not only the demo one, as the deployed schedule and workers
 * do: a snapshot switched by the admin CLI's `refresh` gets its webhook deliveries (CONTRACT §7: the CLI "does the
 * same"; §12: "after each refresh"). Before, only the demo environment's own loop dispatched, so an environment an
 * operator created never got a delivery locally (issue 20's probes).
 */

const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const box = aesSecretBox(localSecretsKey());

let store: Store;
let server: DemoServer;
let receiver: Receiver;
beforeAll(async () => {
  store = await testStore();
  server = await startDemoServer({
    store,
    port: 0,
    credentialsPath: join(mkdtempSync(join(tmpdir(), "every-env-")), "demo-credentials.json"),
    webDir: mkdtempSync(join(tmpdir(), "every-env-web-")),
    refreshEveryMs: 3_600_000,
    erasureEveryMs: 200,
    webhookEveryMs: 50,
    demo: { users: 10, orgs: 2, days: 10, seed: 3 },
  });
  await server.ready;
  receiver = await startReceiver(0);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

async function admin(...argv: string[]) {
  const { code, stdout, stderr } = await runAdminCaptured(argv, {
    store: () => store,
    webhookSecrets: () => ({ box, deployed: false }),
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(stdout);
}

describe("the local server and an environment the operator created", () => {
  it("sends the webhook deliveries of a snapshot the admin CLI switched", async () => {
    const { environment_id: e } = await createEnvironment(store, "operator's", NOW - 40 * DAY);
    const at = (ms: number) => new Date(ms).toISOString();
    // Active 9 days before NOW: not churned at 7 days in a snapshot at NOW − 5 d, churned in one at NOW.
    await ingestEvents(
      store,
      e,
      [
        { type: "user.created", user_id: "late", occurred_at: at(NOW - 30 * DAY) },
        { type: "user.active", user_id: "late", occurred_at: at(NOW - 9 * DAY) },
      ],
      NOW,
    );
    const { secret } = await admin(
      "webhook",
      "add",
      "--environment",
      e,
      "--url",
      receiver.url,
      "--reports",
      "user_report.churn.7",
    );
    receiver.setSecret(secret);
    // The environment's first snapshot sends nothing (§12); the server's look at the pointers notes it meanwhile.
    await admin("refresh", "--environment", e, "--now", at(NOW - 5 * DAY));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.received).toEqual([]);
    const { report_time } = await admin("refresh", "--environment", e);

    const until = Date.now() + 30_000;
    while (receiver.received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(receiver.received.map((r) => r.payload)).toEqual([
      expect.objectContaining({
        type: "report.entered",
        report: "user_report/churn",
        report_interval: "7",
        report_time,
        rows: [expect.objectContaining({ user_id: "late" })],
      }),
    ]);
  }, 120_000);
});
