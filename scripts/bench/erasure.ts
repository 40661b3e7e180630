import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { ingestRoute } from "../../lib/ingest/ingestRoute.js";
import { countKey } from "../../lib/reports/definitions.js";
import { RankListWriter } from "../../lib/reports/rankChunks.js";
import { newReportId } from "../../lib/reports/snapshot.js";
import type { Store } from "../../lib/storage/client.js";
import { createTables } from "../../lib/storage/createTables.js";
import type { CurrentReportItem } from "../../lib/storage/items.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { type ErasureJobRef, runErasureJob } from "../../lib/tenants/erasureJob.js";
import { type Capacity, diff } from "./capacity.js";

/**
 * `npm run bench -- --only erasure [--users 1000,10000,100000]`: what one `user.erased` request costs on a tenant
 * whose current snapshot has that many user rows (all in one list, written through lib/reports' RankListWriter),
 * and what its erasure job then costs off the request path. The request must be flat; the job grows with the rows.
 */

export interface ErasureCost {
  snapshotRows: number;
  request: Capacity;
  job: Capacity;
  jobRowsErased: number;
  jobInvites: number;
  queued: number;
}

const LIST = { report: "user_report/churn", interval: "7" } as const;

async function seedSnapshot(store: Store, environmentId: string, rows: number, erasedRank: number, now: number) {
  const reportId = newReportId(now);
  const writer = new RankListWriter(
    store,
    environmentId,
    reportId,
    LIST.report,
    LIST.interval,
    Math.floor(now / 1000) + 7 * 86_400,
  );
  for (let rank = 0; rank < rows; rank++) {
    const id = rank === erasedRank ? "erased" : `u${rank}`;
    writer.add({
      user_id: id,
      username: id,
      email: `${id}@bench.example`,
      first_name: "First",
      last_name: "Last",
      last_active_at: Math.floor(now / 1000) - rank,
    } as never);
    await writer.flush();
  }
  await writer.flush(true);
  const pointer: CurrentReportItem = {
    report_id: reportId,
    report_time: Math.floor(now / 1000),
    counts: { [countKey(LIST.report, LIST.interval)]: rows },
  };
  await store.doc.send(
    new PutCommand({ TableName: store.tables.entities, Item: { ...keys.currentReport(environmentId), ...pointer } }),
  );
}

export async function benchErasure(store: Store, rows: number, capacity: Capacity): Promise<ErasureCost> {
  for (const TableName of Object.values(store.tables))
    await store.doc.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  await createTables(store);
  const now = Date.now();
  const { environment_id, api_key } = await createEnvironment(store, "bench-erasure");
  // The person: signed up under one email, changed it, invited under both (before and after signing up).
  await ingestEvents(
    store,
    environment_id,
    [
      { type: "user.invited", user_id: "u1", invitee_email: "old@erased.example" },
      { type: "user.created", user_id: "erased", email: "old@erased.example", first_name: "E" },
      { type: "user.updated", user_id: "erased", email: "new@erased.example" },
      { type: "user.invited", user_id: "u1", invitee_email: "new@erased.example" },
    ],
    now,
  );
  await seedSnapshot(store, environment_id, rows, Math.floor(rows / 2), now - 60_000);

  const queued: ErasureJobRef[] = [];
  const before = { ...capacity };
  const response = await ingestRoute(
    store,
    {
      method: "POST",
      path: "/api/backend/v1/events",
      headers: { authorization: `Bearer ${api_key}` },
      query: {},
      pathParameters: {},
      body: JSON.stringify({ events: [{ type: "user.erased", user_id: "erased", event_id: "bench-erase" }] }),
      requestId: "bench",
    },
    { send: async (jobs) => void queued.push(...jobs) },
  );
  if (response.statusCode !== 200) throw new Error(`user.erased answered ${response.statusCode}`);
  const request = diff({ ...capacity }, before);

  const beforeJob = { ...capacity };
  const job = await runErasureJob(store, environment_id, "erased", { settle: false });
  return {
    snapshotRows: rows,
    request,
    job: diff({ ...capacity }, beforeJob),
    jobRowsErased: job.snapshot_rows,
    jobInvites: job.invites,
    queued: queued.length,
  };
}

export function printErasureCosts(results: ErasureCost[]): void {
  const header = ["cost", ...results.map((r) => `${r.snapshotRows / 1000}k rows`)];
  console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  const row = (label: string, of: (r: ErasureCost) => number | string) =>
    console.log(`| ${label} | ${results.map(of).join(" | ")} |`);
  row("user.erased request: items read", (r) => r.request.itemsRead);
  row("user.erased request: items written", (r) => r.request.itemsWritten);
  row("user.erased request: read / write units", (r) => `${r.request.readUnits} / ${r.request.writeUnits}`);
  row("user.erased request: storage calls", (r) => r.request.calls);
  row("jobs queued by the request", (r) => r.queued);
  row("erasure job (off the request): items read", (r) => r.job.itemsRead);
  row("erasure job: items written", (r) => r.job.itemsWritten);
  row("erasure job: rows erased, invites erased", (r) => `${r.jobRowsErased}, ${r.jobInvites}`);
}
