import { beforeAll, describe, expect, it } from "vitest";
import { handler as ingest } from "../../functions/ingest.js";
import { handler as insights } from "../../functions/insights.js";
import { handler as users } from "../../functions/users.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { MAX_EVENTS_PER_BATCH } from "../../lib/ingest/schema.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

/** Issue 9's reproductions through the handlers: input validation accepted is stored and returned as sent. */

let store: Store;
let environmentId: string;
let apiKey: string;

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "unstorable"));
});

/** The body as a client sends it: JSON text, where `__proto__` is an ordinary key. */
const post = (json: string) =>
  invoke(ingest, {
    method: "POST",
    path: "/api/backend/v1/events",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.parse(json),
  });
const get = (handler: typeof users | typeof insights, path: string, query: Record<string, string> = {}) =>
  invoke(handler, {
    method: "GET",
    path,
    query,
    headers: { authorization: `Bearer ${apiKey}`, "environment-id": environmentId },
  });

describe("the largest request validation accepts", () => {
  it("1,000 events with 256-byte event ids and user ids (its batch item names them all) is stored and counted once", async () => {
    const id = (prefix: string, i: number) => `${prefix}${String(i).padStart(4, "0")}`.padEnd(256, "x");
    const events = Array.from({ length: MAX_EVENTS_PER_BATCH }, (_, i) => ({
      type: "user.created",
      user_id: id("big-user-", i),
      event_id: id("big-event-", i),
    }));
    const body = JSON.stringify({ events });
    const answers = [await post(body), await post(body)];
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, { accepted: MAX_EVENTS_PER_BATCH, duplicates: 0 }],
      [200, { accepted: 0, duplicates: MAX_EVENTS_PER_BATCH }],
    ]);
    const last = await get(users, `/api/v2/users/${id("big-user-", MAX_EVENTS_PER_BATCH - 1)}`);
    expect(last.status).toBe(200);
  });
});

describe("the batch that answered 500 three times and counted three times", () => {
  it("is accepted once, stores its special keys as sent, and counts its invite and membership once", async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const setup = `{"events":[{"type":"user.created","user_id":"inv","occurred_at":"${hourAgo}"},
      {"type":"org.created","org_id":"o1","name":"O","occurred_at":"${hourAgo}"}]}`;
    expect((await post(setup)).status).toBe(200);
    const batch = `{"events":[{"type":"user.invited","user_id":"inv","invitee_email":"a@b.c","event_id":"e1"},
      {"type":"org.member_added","org_id":"o1","user_id":"inv","event_id":"e2"},
      {"type":"user.created","user_id":"c2","profile":{"constructor":1,"__proto__":{"x":[1]}},
       "signup_query_parameters":{"__proto__":"x","constructor":"y"},"event_id":"e3"},
      {"type":"org.member_added","org_id":"__proto__","user_id":"c2","event_id":"e4"},
      {"type":"org.member_added","org_id":"constructor","user_id":"c2","event_id":"e5"}]}`;
    const answers = [await post(batch), await post(batch), await post(batch)];
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, { accepted: 5, duplicates: 0 }],
      [200, { accepted: 0, duplicates: 5 }],
      [200, { accepted: 0, duplicates: 5 }],
    ]);
    const user = await get(users, "/api/v2/users/c2");
    expect(JSON.stringify((user.body as { data: { profile: unknown }[] }).data[0]?.profile)).toBe(
      '{"constructor":1,"__proto__":{"x":[1]}}',
    );
    const parameters = await get(insights, "/api/backend/v1/user/c2/signup_query_parameters");
    expect(JSON.stringify(parameters.body)).toBe(
      '{"user_signup_query_parameters":{"__proto__":"x","constructor":"y"}}',
    );

    // A second on: the invite (no occurred_at) is stamped now, and T is rounded down to the second.
    await refreshEnvironment(store, environmentId, Date.now() + 1000);
    const page = { report_interval: "30", page_size: "10", page_number: "0" };
    const inviters = await get(insights, "/api/backend/v1/user_report/top_inviter", page);
    expect(
      (inviters.body as { user_reports: { extra_properties: object }[] }).user_reports.map((u) => u.extra_properties),
    ).toEqual([{ num_invites: 1 }]);
    const growth = await get(insights, "/api/backend/v1/org_report/growth", page);
    const added = (
      growth.body as { org_reports: { org_id: string; extra_properties: { num_users_added: number } }[] }
    ).org_reports
      .map((o) => [o.org_id, o.extra_properties.num_users_added])
      .sort();
    expect(added).toEqual([
      ["__proto__", 1],
      ["constructor", 1],
      ["o1", 1],
    ]);
  });

  it("answers 400 naming the field for what DynamoDB could not store, and writes nothing", async () => {
    const deep = `${'{"a":'.repeat(33)}1${"}".repeat(33)}`;
    const cases: [string, string][] = [
      [`{"type":"user.created","user_id":"d","profile":${deep}}`, "profile"],
      [`{"type":"user.created","user_id":"d","profile":{"p":"${"x".repeat(400_000)}"}}`, "profile"],
      [`{"type":"user.active","user_id":"${"a".repeat(2100)}"}`, "user_id"],
      [`{"type":"org.created","org_id":"${"é".repeat(200)}","name":"n"}`, "org_id"],
    ];
    for (const [event, field] of cases) {
      const answer = await post(`{"events":[{"type":"user.active","user_id":"fine"},${event}]}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_events", event_errors: [{ index: 1, field }] });
    }
    expect((await get(users, "/api/v2/users/fine")).status).toBe(404);
  });
});
