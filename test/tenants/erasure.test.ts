import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { handler as ingest } from "../../functions/ingest.js";
import { handler as insights } from "../../functions/insights.js";
import { handler as usersHandler } from "../../functions/users.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
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

  it("the user.erased event does the same to the user item and the current snapshot, at once", async () => {
    const env = await populatedEnvironment(store, "byevent", NOW);
    const bearer = { Authorization: `Bearer ${env.api_key}` };
    const champions = async () => {
      const response = await invoke(insights, {
        path: "/api/backend/v1/user_report/champion?report_interval=90&page_size=100",
        headers: bearer,
      });
      return (response.body as { user_reports: Record<string, unknown>[] }).user_reports;
    };
    expect((await champions()).find((row) => row.user_id === "ada")).toMatchObject({ email: "ada@byevent.test" });

    const body = { events: [{ type: "user.erased", user_id: "ada", event_id: "erase-ada" }] };
    const sent = await invoke(ingest, { method: "POST", path: "/api/backend/v1/events", headers: bearer, body });
    expect(sent.body).toEqual({ accepted: 1, duplicates: 0 });
    const row = (await champions()).find((r) => r.user_id === "ada");
    expect(row).toMatchObject({ email: null, first_name: null, last_name: null, username: null });

    const user = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.user(env.environment_id, "ada") }),
    );
    // Neither the item nor the pre-image of its last write keeps a personal field.
    expect(JSON.stringify(user.Item)).not.toMatch(/ada@byevent\.test|Lovelace|Countess|utm_source/);
    expect(user.Item).toMatchObject({ email: null, profile_json: "{}", signup_query_parameters_json: "{}" });
    const users = await invoke(usersHandler, {
      path: "/api/v2/users/ada",
      headers: { ...bearer, "environment-id": env.environment_id },
    });
    expect(users.status).toBe(404);
    // Again (a retry): a duplicate, nothing changes.
    const again = await invoke(ingest, { method: "POST", path: "/api/backend/v1/events", headers: bearer, body });
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
  });

  it("refuses an unknown user and has --help", async () => {
    const env = await createEnvironment(store, "unknown");
    const unknown = await admin(store, "user", "erase", "--environment", env.environment_id, "--user-id", "nobody");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`error: unknown user nobody in environment ${env.environment_id}\n`);
    const help = await admin(store, "user", "erase", "--help");
    expect(help.stdout).toContain("--user-id <id>");
  });
});
