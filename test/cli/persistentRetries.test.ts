import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateDemoEvents } from "../../lib/demo/generate.js";
import { countKey, REPORTS } from "../../lib/reports/definitions.js";
import { readReportPage } from "../../lib/reports/read.js";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";
import { addPersistentRetry } from "../../lib/storage/persistentRetry.js";
import { runAdminCaptured } from "../helpers/admin.js";
import { type FaultProxy, randomFaults, startFaultProxy } from "../helpers/faultProxy.js";
import { testStore } from "../helpers/store.js";

// Issue 20.4: the admin CLI (and the jobs) retry throttles and conflicts beyond the SDK's 3 attempts, so a throttled
// import or refresh finishes, and finishes with the same result as with no faults at all.

const NOW = Date.parse("2026-11-20T12:00:00Z");

let store: Store;
let proxy: FaultProxy;
let file: string;
beforeAll(async () => {
  store = await testStore();
  proxy = await startFaultProxy(inject("dynamodbEndpoint"));
  const events = generateDemoEvents({ now: NOW, seed: 7, days: 10, users: 8, orgs: 2 });
  file = join(mkdtempSync(join(tmpdir(), "persistent-")), "events.jsonl");
  writeFileSync(file, events.map((event) => JSON.stringify(event)).join("\n"));
});
afterAll(() => proxy.close());

const through = (persistent: boolean): Store => ({
  doc: createDocumentClient(proxy.endpoint, { persistent }),
  tables: store.tables,
});

async function admin(target: Store, ...argv: string[]) {
  const run = await runAdminCaptured(argv, { store: () => target });
  return { ...run, json: run.code === 0 ? JSON.parse(run.stdout) : undefined };
}

/** Create, import, refresh: what an operator runs for a new tenant. */
async function onboard(target: Store) {
  const created = await admin(target, "environment", "create", "--name", "acme");
  expect(created.stderr).toBe("");
  const environmentId = created.json.environment_id as string;
  const imported = await admin(target, "import", "--environment", environmentId, file);
  expect(imported.stderr).toBe("");
  const refreshed = await admin(
    target,
    "refresh",
    "--environment",
    environmentId,
    "--now",
    new Date(NOW).toISOString(),
  );
  expect(refreshed.stderr).toBe("");
  return { environmentId, imported: imported.json, refreshed: refreshed.json };
}

/** Every report × interval of the environment's current snapshot, without the ids that name the snapshot. */
async function allReports(environmentId: string) {
  const out: Record<string, unknown[]> = {};
  for (const report of REPORTS) {
    for (const interval of report.intervals) {
      const page = await readReportPage(store, environmentId, report.name, interval, 0, 1000);
      out[countKey(report.name, interval)] = page.rows.map(({ id: _id, report_id: _report, ...row }) => row);
    }
  }
  return out;
}

describe("persistent retries (admin CLI through a fault layer)", () => {
  // DynamoDB Local is fast and the adaptive client slows itself down after each throttle, as it should on AWS: the
  // faulty run takes several times the clean one.
  it("create, import and refresh finish through 6 % throttles, conflicts and unprocessed batches, exactly", {
    timeout: 240_000,
  }, async () => {
    const clean = await onboard(through(true));
    const throttles = randomFaults(0.06, ["throttle"], 20);
    // Transactions and batches are few (an import writes whole batches): fault a larger share of them.
    const conflicts = randomFaults(0.5, ["conflict"], 21);
    const unprocessed = randomFaults(0.2, ["unprocessed"], 22);
    proxy.setPlan((call) => throttles(call) ?? conflicts(call) ?? unprocessed(call));
    const faulty = await onboard(through(true));
    proxy.setPlan(() => undefined);

    // The fault layer did fault: hundreds of calls, some of each kind.
    expect(proxy.counts.throttle ?? 0).toBeGreaterThan(10);
    expect(proxy.counts.conflict ?? 0).toBeGreaterThan(0);
    expect(proxy.counts.unprocessed ?? 0).toBeGreaterThan(0);
    expect(faulty.imported).toEqual(clean.imported);
    expect(faulty.refreshed).toEqual(clean.refreshed);
    const [expected, actual] = [await allReports(clean.environmentId), await allReports(faulty.environmentId)];
    expect(Object.values(expected).some((rows) => rows.length > 0)).toBe(true);
    expect(actual).toEqual(expected);
  });

  it("a transaction conflict no longer fails `environment create` (and did with the SDK's retries alone)", async () => {
    let conflicts = 0;
    const firstTransactionConflicts = () => {
      conflicts = 0;
      proxy.setPlan((call) => (call.operation === "TransactWriteItems" && conflicts++ === 0 ? "conflict" : undefined));
    };
    firstTransactionConflicts();
    const plain = await admin(through(false), "environment", "create", "--name", "plain");
    expect(plain.code).not.toBe(0);
    firstTransactionConflicts();
    const persistent = await admin(through(true), "environment", "create", "--name", "persistent");
    expect(persistent.code).toBe(0);
    expect(persistent.json.environment_id).toMatch(/\S/);
    expect(conflicts).toBeGreaterThan(1); // conflicted once, then went through
    proxy.setPlan(() => undefined);
  });

  it("retries a command whole a bounded number of times, and never an error a retry can't cure", async () => {
    const client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    addPersistentRetry(client, 3);
    const key = { pk: { S: "persistent-retry" }, sk: { S: "x" } };
    const put = () =>
      client.send(
        new PutItemCommand({
          TableName: store.tables.entities,
          Item: key,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    const calls = () => proxy.counts.calls;

    proxy.setPlan(() => "throttle");
    let before = calls();
    await expect(put()).rejects.toMatchObject({ name: "ThrottlingException" });
    expect(calls() - before).toBe(3); // a wedged job still ends

    let throttled = 0;
    proxy.setPlan((call) => (call.operation === "PutItem" && throttled++ < 2 ? "throttle" : undefined));
    before = calls();
    await put();
    expect(calls() - before).toBe(3); // two throttles, then written

    proxy.setPlan(() => undefined);
    before = calls();
    await expect(put()).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    expect(calls() - before).toBe(1);
    client.destroy();
  });
});
