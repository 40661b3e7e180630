import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { countKey } from "../../lib/reports/definitions.js";
import { RANK_ROWS_ATTRIBUTE, RankListWriter } from "../../lib/reports/rankChunks.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { ErasureNotReadyError, pendingErasureJobs, runErasureJob } from "../../lib/tenants/erasureJob.js";
import { userChunkKeys } from "../../lib/tenants/snapshotErasure.js";
import { runErasureJobs } from "../../scripts/lib/erasureLoop.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

let store: Store;
const NOW = Date.UTC(2026, 10, 20, 12);
beforeAll(async () => {
  store = await testStore();
});

const LIST = { report: "user_report/churn", interval: "7" } as const;
/** 2,100 rows (105 chunks: two pages of the job); the person at ranks 5 and 2,090 (a row in each page). */
const ROWS = 2_100;
const PERSON_RANKS = [5, 2_090];

async function environmentWithSnapshot(name: string) {
  const { environment_id } = await createEnvironment(store, name);
  await ingestEvents(store, environment_id, [{ type: "user.created", user_id: "p", email: "p@x.test" }], NOW);
  const writer = new RankListWriter(store, environment_id, "r1", LIST.report, LIST.interval, 2_000_000_000);
  for (let rank = 0; rank < ROWS; rank++) {
    const id = PERSON_RANKS.includes(rank) ? "p" : `u${rank}`;
    writer.add({ user_id: id, username: id, email: `${id}@x.test`, first_name: null, last_name: null } as never);
    await writer.flush();
  }
  await writer.flush(true);
  await store.doc.send(
    new PutCommand({
      TableName: store.tables.entities,
      Item: {
        ...keys.currentReport(environment_id),
        report_id: "r1",
        report_time: Math.floor(NOW / 1000),
        counts: { [countKey(LIST.report, LIST.interval)]: ROWS },
      },
    }),
  );
  return environment_id;
}

async function personRowsLeft(environmentId: string): Promise<number> {
  const pointer = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId) }),
  );
  let left = 0;
  for (const Key of userChunkKeys(environmentId, pointer.Item as never)) {
    const chunk = await store.doc.send(new GetCommand({ TableName: store.tables.reports, Key }));
    const rows = JSON.parse(String(chunk.Item?.[RANK_ROWS_ATTRIBUTE] ?? "[]")) as { email: string | null }[];
    left += rows.filter((row) => row.email === "p@x.test").length;
  }
  return left;
}

describe("the erasure job", () => {
  it("waits for the batch that erases the user, then resumes after a crash from its saved cursor", async () => {
    const e = await environmentWithSnapshot("resume");
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.entities,
        Item: { ...keys.erasureJob(e, "p"), environment_id: e, user_id: "p", requested_at: NOW },
      }),
    );
    // Recorded, but the user item is not erased yet (its batch still being written).
    await expect(runErasureJob(store, e, "p")).rejects.toBeInstanceOf(ErasureNotReadyError);
    await ingestEvents(store, e, [{ type: "user.erased", user_id: "p" }], NOW);
    expect(await personRowsLeft(e)).toBe(2);

    // The run crashes on its second page of chunks.
    let pagesRead = 0;
    const crashing = interceptedStore(store, async (command, send) => {
      const requested = JSON.stringify(command.input);
      if (requested.includes("RequestItems") && requested.includes(`#R#r1#`) && !requested.includes("PutRequest")) {
        pagesRead += 1;
        if (pagesRead === 2) throw new Error("crash");
      }
      return send();
    });
    await expect(runErasureJob(crashing, e, "p", { settle: false })).rejects.toThrow("crash");
    expect(await personRowsLeft(e)).toBe(1);
    const saved = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.erasureJob(e, "p") }),
    );
    expect(saved.Item?.scrub_cursor).toEqual({ report_id: "r1", position: 100 });

    // Resumed: only the second page is read again.
    let pagesAfter = 0;
    const counting = interceptedStore(store, async (command, send) => {
      const requested = JSON.stringify(command.input);
      if (requested.includes("RequestItems") && requested.includes(`#R#r1#`) && !requested.includes("PutRequest"))
        pagesAfter += 1;
      return send();
    });
    const run = await runErasureJob(counting, e, "p", { settle: false });
    expect(run).toMatchObject({ done: true, snapshot_rows: 2 });
    expect(pagesAfter).toBe(1);
    expect(await personRowsLeft(e)).toBe(0);
  }, 300_000);

  it("ends the same when delivered twice at once, and the local loop finds and finishes pending jobs", async () => {
    const e = await environmentWithSnapshot("twice");
    await ingestEvents(store, e, [{ type: "user.erased", user_id: "p", event_id: "x" }], NOW);
    expect(await pendingErasureJobs(store, e)).toEqual([{ environment_id: e, user_id: "p" }]);
    const runs = await Promise.all([
      runErasureJob(store, e, "p", { settle: false }),
      runErasureJob(store, e, "p", { settle: false }),
    ]);
    expect(runs.every((r) => r.done)).toBe(true);
    expect(await personRowsLeft(e)).toBe(0);
    // Others' rows untouched.
    const pointer = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(e) }),
    );
    const [firstChunk] = userChunkKeys(e, pointer.Item as never);
    const chunk = await store.doc.send(
      new GetCommand({ TableName: store.tables.reports, Key: firstChunk as Record<string, unknown> }),
    );
    expect(String(chunk.Item?.[RANK_ROWS_ATTRIBUTE])).toContain("u0@x.test");

    // A later erasure of the same user records the job again; the local loop (npm start) runs it to the end: the
    // snapshot is older than the erasure, so it ends once the settling hour has passed (here: at once, job by job).
    await ingestEvents(store, e, [{ type: "user.erased", user_id: "p", event_id: "y" }], NOW);
    expect(await pendingErasureJobs(store, e)).toHaveLength(1);
    const lines = await runErasureJobs(store, e, { settle: false });
    expect(lines).toEqual(["Erased user p: 0 snapshot rows, 0 invites"]);
    expect(await pendingErasureJobs(store, e)).toEqual([]);
  }, 300_000);
});
