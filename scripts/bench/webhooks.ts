import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { countKey } from "../../lib/reports/definitions.js";
import { RankListWriter } from "../../lib/reports/rankChunks.js";
import type { Store } from "../../lib/storage/client.js";
import { createTables } from "../../lib/storage/createTables.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { dispatchDeliveries } from "../../lib/webhooks/dispatch.js";
import { aesSecretBox, localSecretsKey } from "../../lib/webhooks/secretBox.js";
import { addWebhook } from "../../lib/webhooks/subscriptions.js";
import { type Capacity, diff } from "./capacity.js";

/**
 * `npm run bench -- --only webhooks [--users 1000,10000,100000]`: what one webhook dispatch (lib/webhooks/dispatch.ts)
 * costs off the refresh's path, for a subscribed list of that many rows in each of two snapshots, 10 % of the new
 * one's rows new (entered). The two snapshots are written straight through RankListWriter with their run items, as
 * a refresh leaves them; the deliveries are counted, not sent.
 */

export interface WebhookDispatchCost {
  rows: number;
  entered: number;
  deliveries: number;
  ms: number;
  heapMiB: number;
  cost: Capacity;
}

const LIST = { report: "user_report/churn", interval: "7" } as const;

async function seedRun(store: Store, environmentId: string, reportId: string, time: number, ids: string[]) {
  const expires = Math.floor(time / 1000) + 7 * 86_400;
  const writer = new RankListWriter(store, environmentId, reportId, LIST.report, LIST.interval, expires);
  for (const id of ids) {
    writer.add({
      user_id: id,
      username: id,
      email: `${id}@bench.example`,
      first_name: null,
      last_name: null,
      user_created_at: 0,
      last_active_at: 0,
      org_data: [],
    } as never);
    await writer.flush();
  }
  await writer.flush(true);
  await store.doc.send(
    new PutCommand({
      TableName: store.tables.reports,
      Item: {
        ...keys.refreshRun(environmentId, reportId),
        report_id: reportId,
        time,
        parts_total: 1,
        counts: { [countKey(LIST.report, LIST.interval)]: ids.length },
        replace_newer: false,
      },
    }),
  );
}

export async function benchWebhookDispatch(
  store: Store,
  rows: number,
  capacity: Capacity,
): Promise<WebhookDispatchCost> {
  for (const TableName of Object.values(store.tables))
    await store.doc.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  await createTables(store);
  const now = Date.now();
  const { environment_id } = await createEnvironment(store, "bench-webhooks", now - 86_400_000);
  const fresh = Math.floor(rows / 10);
  const previous = Array.from({ length: rows }, (_, i) => `u${i}`);
  const next = [...Array.from({ length: fresh }, (_, i) => `new${i}`), ...previous.slice(fresh)];
  await seedRun(store, environment_id, "prev", now - 3_600_000, previous);
  await seedRun(store, environment_id, "next", now, next);
  await addWebhook(store, aesSecretBox(localSecretsKey()), environment_id, {
    url: "https://hooks.example.com/in",
    reports: "user_report.churn.7",
    deployed: true,
  });
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const before = { ...capacity };
  const started = performance.now();
  let entered = 0;
  const deliveries = await dispatchDeliveries(
    store,
    { environment_id, report_id: "next", previous_report_id: "prev" },
    async (batch) => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      for (const d of batch) entered += (JSON.parse(d.payload) as { rows: unknown[] }).rows.length;
    },
  );
  const ms = performance.now() - started;
  return {
    rows,
    entered,
    deliveries,
    ms: Math.round(ms),
    heapMiB: Math.round((heapPeak - heapBefore) / 2 ** 20),
    cost: diff({ ...capacity }, before),
  };
}

export function printWebhookDispatchCosts(results: WebhookDispatchCost[]): void {
  const header = ["webhook dispatch", ...results.map((r) => `${r.rows / 1000}k rows`)];
  console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  const row = (label: string, of: (r: WebhookDispatchCost) => number | string) =>
    console.log(`| ${label} | ${results.map(of).join(" | ")} |`);
  row("rows entered / deliveries queued", (r) => `${r.entered} / ${r.deliveries}`);
  row("items read (both snapshots)", (r) => r.cost.itemsRead);
  row("read units", (r) => r.cost.readUnits);
  row("storage calls", (r) => r.cost.calls);
  row("time (DynamoDB Local), ms", (r) => r.ms);
  row("heap growth at the send, MiB", (r) => r.heapMiB);
}
