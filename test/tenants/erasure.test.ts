import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { handler as insights } from "../../functions/insights.js";
import { handler as usersHandler } from "../../functions/users.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import type { HttpRequest } from "../../lib/http/types.js";
import { emailHash } from "../../lib/ingest/emailHash.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { ingestRoute } from "../../lib/ingest/ingestRoute.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { type ErasureJobRef, pendingErasureJobs, runErasureJob } from "../../lib/tenants/erasureJob.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";
import { admin, allItems, itemsMentioning, populatedEnvironment } from "./fixtures.js";

let store: Store;
const NOW = Date.UTC(2026, 10, 20, 12);
beforeAll(async () => {
  store = await testStore();
});

async function signupsChart(apiKey: string) {
  const response = await invoke(insights, {
    path: "/api/backend/v1/chart_metric/signups?cadence=Monthly&start_date=2026-09-01&end_date=2026-11-20",
    headers: { Authorization: `Bearer ${apiKey}` },
  });
  expect(response.status).toBe(200);
  return response.body;
}

describe("user erase", () => {
  it("removes every personal field of the user from every table; counts stay; later events change nothing", async () => {
    const env = await populatedEnvironment(store, "erased", NOW);
    const other = await populatedEnvironment(store, "bystander", NOW);
    // Before: the person's email and names are in its item, in two snapshots' rows and in an invite log.
    const before = await itemsMentioning(store, "ada@erased.test");
    expect(new Set(before.map((x) => x.table))).toEqual(new Set(Object.values(store.tables)));
    const chartBefore = await signupsChart(env.api_key);

    const result = await admin(store, "user", "erase", "--environment", env.environment_id, "--user-id", "ada");
    expect(result.stderr).toBe("");
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ user_id: "ada", erased: true, invites: 1 });
    expect(printed.snapshot_rows).toBeGreaterThan(2);

    // One read of every table, then every personal value looked for in every item of the environment.
    const left = (await allItems(store)).filter(({ item }) => JSON.stringify(item).includes(env.environment_id));
    for (const personal of ["ada@erased.test", "Lovelace", '"Ada"', "Countess", "utm_source"]) {
      expect(
        left.filter(({ item }) => JSON.stringify(item).includes(personal)),
        personal,
      ).toEqual([]);
    }
    // The user is gone from the lists, its anonymous counts are not.
    expect(await signupsChart(env.api_key)).toEqual(chartBefore);
    const user = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.user(env.environment_id, "ada") }),
    );
    expect(user.Item).toMatchObject({
      email: null,
      first_name: null,
      profile_json: "{}",
      signup_query_parameters_json: "{}",
    });
    expect(user.Item?.deleted_at).toBe(user.Item?.erased_at);
    expect(user.Item?.gsi1pk).toBeUndefined();

    // A later event about the user changes nothing.
    await ingestEvents(store, env.environment_id, [
      { type: "user.updated", user_id: "ada", email: "ada@erased.test", first_name: "Ada" },
      { type: "user.created", user_id: "ada", email: "ada@erased.test", last_name: "Lovelace" },
    ]);
    expect(await itemsMentioning(store, "ada@erased.test")).toEqual([]);

    // Other people, in this environment and in others, are untouched.
    expect((await itemsMentioning(store, "bob@erased.test")).length).toBeGreaterThan(0);
    expect((await itemsMentioning(store, "ada@bystander.test")).length).toBe(before.length);
    expect(other.environment_id).not.toBe(env.environment_id);
  });

  it("the user.erased event erases the user item at once and queues a job for the rest; a refresh meanwhile is clean", async () => {
    const env = await populatedEnvironment(store, "byevent", NOW);
    const bearer = { authorization: `Bearer ${env.api_key}` };
    const champions = async () => {
      const response = await invoke(insights, {
        path: "/api/backend/v1/user_report/champion?report_interval=90&page_size=100",
        headers: bearer,
      });
      return (response.body as { user_reports: Record<string, unknown>[] }).user_reports;
    };
    expect((await champions()).find((row) => row.user_id === "ada")).toMatchObject({ email: "ada@byevent.test" });

    const queued: ErasureJobRef[][] = [];
    const queue = { send: async (jobs: ErasureJobRef[]) => void queued.push(jobs) };
    const body = JSON.stringify({ events: [{ type: "user.erased", user_id: "ada", event_id: "erase-ada" }] });
    const request = (requestId: string): HttpRequest => ({
      method: "POST",
      path: "/api/backend/v1/events",
      headers: bearer,
      query: {},
      pathParameters: {},
      body,
      requestId,
    });
    const sent = await ingestRoute(store, request("r1"), queue);
    expect(JSON.parse(sent.body as string)).toEqual({ accepted: 1, duplicates: 0 });
    expect(queued).toEqual([[{ environment_id: env.environment_id, user_id: "ada" }]]);

    const user = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.user(env.environment_id, "ada") }),
    );
    // Neither the item nor the pre-image of its last write keeps a personal field, nor its emails' hashes.
    expect(JSON.stringify(user.Item)).not.toMatch(/ada@byevent\.test|Lovelace|Countess|utm_source|email_hashes/);
    expect(user.Item).toMatchObject({ email: null, profile_json: "{}", signup_query_parameters_json: "{}" });
    const users = await invoke(usersHandler, {
      path: "/api/v2/users/ada",
      headers: { ...bearer, "environment-id": env.environment_id },
    });
    expect(users.status).toBe(404);
    // The request left the snapshot to the job, recorded by its batch.
    expect((await champions()).find((r) => r.user_id === "ada")).toMatchObject({ email: "ada@byevent.test" });
    const job = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.erasureJob(env.environment_id, "ada") }),
    );
    expect(job.Item).toMatchObject({ user_id: "ada", email_hashes: [emailHash("ada@byevent.test")] });

    // Again (a retry): a duplicate, and the job is queued again (it ends at once when done).
    const again = await ingestRoute(store, request("r2"), queue);
    expect(JSON.parse(again.body as string)).toEqual({ accepted: 0, duplicates: 1 });
    expect(queued).toHaveLength(2);

    // The job: the current snapshot's rows and the invite; then it waits for a snapshot planned after the erasure.
    const first = await runErasureJob(store, env.environment_id, "ada", { now: () => NOW + 60_000 });
    expect(first).toMatchObject({ done: false, invites: 1 });
    expect(first.snapshot_rows).toBeGreaterThan(0);
    expect(first.waitMs).toBeGreaterThan(0);
    expect((await champions()).find((r) => r.user_id === "ada")).toMatchObject({ email: null, first_name: null });
    // A refresh while the job is pending reads the erased user item: its new snapshot holds nothing of the person.
    await refreshEnvironment(store, env.environment_id, NOW + 120_000);
    expect((await champions()).find((r) => r.user_id === "ada")).toMatchObject({ email: null, username: null });
    const done = await runErasureJob(store, env.environment_id, "ada", { now: () => NOW + 180_000 });
    expect(done).toMatchObject({ done: true, invites: 1 });
    expect(await pendingErasureJobs(store, env.environment_id)).toEqual([]);
    // Delivered again: nothing left to do.
    expect(await runErasureJob(store, env.environment_id, "ada")).toMatchObject({ found: true, done: true });

    // Only earlier snapshots (no key names them) still hold the person until their TTL.
    const left = (await allItems(store)).filter(({ item }) => JSON.stringify(item).includes(env.environment_id));
    expect(
      left
        .filter(({ item }) => JSON.stringify(item).includes("ada@byevent.test"))
        .every(({ table, item }) => table === store.tables.reports && typeof item.expires_at === "number"),
    ).toBe(true);
  }, 300_000);

  /** Carol: invited before she signed up, later changed her email (in another case), invited under both. */
  async function carolsHistory(environmentId: string, name: string) {
    const at = (hours: number) => new Date(NOW - 30 * 24 * 3600_000 + hours * 3600_000).toISOString();
    await ingestEvents(
      store,
      environmentId,
      [
        { type: "user.invited", user_id: "bob", invitee_email: `carol@${name}.test`, occurred_at: at(1) },
        { type: "user.created", user_id: "carol", email: `Carol@${name}.test`, occurred_at: at(2), event_id: "c1" },
        { type: "user.updated", user_id: "carol", email: `carol.new@${name}.test`, occurred_at: at(3) },
        { type: "user.invited", user_id: "bob", invitee_email: `carol.new@${name}.test`, occurred_at: at(4) },
        { type: "user.invited", user_id: "bob", invitee_email: `CAROL@${name}.test`, occurred_at: at(5) },
        { type: "user.invited", user_id: "ada", invitee_email: `dave@${name}.test`, occurred_at: at(6) },
      ],
      NOW,
    );
  }
  const carolsEmails = (name: string) => new RegExp(`carol(\\.new)?@${name}\\.test`, "i");
  const itemsOfEnvironment = async (environmentId: string) =>
    (await allItems(store)).filter(({ item }) => JSON.stringify(item).includes(environmentId));

  it("removes every email the person ever had from every invite, by either path", async () => {
    for (const path of ["cli", "event"] as const) {
      const name = `carol-${path}`;
      const env = await populatedEnvironment(store, name, NOW);
      await carolsHistory(env.environment_id, name);
      const before = await itemsOfEnvironment(env.environment_id);
      expect(before.filter(({ item }) => carolsEmails(name).test(JSON.stringify(item))).length).toBeGreaterThan(3);

      if (path === "cli") {
        const result = await admin(store, "user", "erase", "--environment", env.environment_id, "--user-id", "carol");
        expect(JSON.parse(result.stdout)).toMatchObject({ erased: true, invites: 3 });
      } else {
        await ingestEvents(store, env.environment_id, [{ type: "user.erased", user_id: "carol", event_id: "x" }], NOW);
        const job = await runErasureJob(store, env.environment_id, "carol", { now: () => NOW + 60_000 });
        expect(job.invites).toBe(3);
      }
      const left = await itemsOfEnvironment(env.environment_id);
      expect(
        left.filter(({ item }) => carolsEmails(name).test(JSON.stringify(item))),
        path,
      ).toEqual([]);
      // The invites stay (their counts), without the email; nobody else's invite changed.
      const invites = left.filter(({ item }) => "inviter_id" in item);
      expect(invites.filter(({ item }) => item.invitee_email === null)).toHaveLength(3);
      expect(invites.filter(({ item }) => item.invitee_email === `dave@${name}.test`)).toHaveLength(1);
      // No index entry is left for Carol's emails, Dave's is.
      expect(left.filter(({ item }) => String(item.pk).includes("#INVTO#"))).toHaveLength(2);
    }
  }, 300_000);

  it("refuses an unknown user and has --help", async () => {
    const env = await createEnvironment(store, "unknown");
    const unknown = await admin(store, "user", "erase", "--environment", env.environment_id, "--user-id", "nobody");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`error: unknown user nobody in environment ${env.environment_id}\n`);
    const help = await admin(store, "user", "erase", "--help");
    expect(help.stdout).toContain("--user-id <id>");
  });
});
