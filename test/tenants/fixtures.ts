import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createEnvironment, createUserToken } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { DAY_MS } from "../../lib/time.js";
import { runAdminCaptured } from "../helpers/admin.js";

/** An environment with some of everything the service stores: users, orgs, activity, invites, tokens, snapshots. */
export async function populatedEnvironment(store: Store, name: string, now: number) {
  const env = await createEnvironment(store, name);
  const t = (daysAgo: number) => new Date(now - daysAgo * DAY_MS).toISOString();
  const events = [
    {
      type: "user.created",
      user_id: "ada",
      email: `ada@${name}.test`,
      first_name: "Ada",
      last_name: "Lovelace",
      username: "ada",
      profile: { title: "Countess" },
      signup_query_parameters: { utm_source: "ad" },
      occurred_at: t(40),
      event_id: "e1",
    },
    {
      type: "user.created",
      user_id: "bob",
      email: `bob@${name}.test`,
      first_name: "Bob",
      occurred_at: t(39),
      event_id: "e2",
    },
    { type: "org.created", org_id: "o1", name: `${name} org`, occurred_at: t(39) },
    { type: "org.member_added", org_id: "o1", user_id: "ada", role: "admin", occurred_at: t(38) },
    { type: "org.member_added", org_id: "o1", user_id: "bob", occurred_at: t(38) },
    { type: "user.invited", user_id: "bob", invitee_email: `ada@${name}.test`, occurred_at: t(37) },
    { type: "user.active", user_id: "ada", occurred_at: t(20) },
    { type: "user.active", user_id: "bob", occurred_at: t(2) },
    { type: "user.created", user_id: "gone", email: `gone@${name}.test`, occurred_at: t(30), event_id: "e3" },
    { type: "user.deleted", user_id: "gone", occurred_at: t(10), event_id: "e4" },
  ];
  await ingestEvents(store, env.environment_id, events, now);
  const token = await createUserToken(store, env.environment_id, "dash-1");
  await refreshEnvironment(store, env.environment_id, now - DAY_MS, { replaceNewer: true });
  await refreshEnvironment(store, env.environment_id, now, { replaceNewer: true });
  return { ...env, token };
}

/** Every item of the three tables (tests' tables are small). */
export async function allItems(store: Store): Promise<{ table: string; item: Record<string, unknown> }[]> {
  const out: { table: string; item: Record<string, unknown> }[] = [];
  for (const table of Object.values(store.tables)) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey, ConsistentRead: true }));
      for (const item of page.Items ?? []) out.push({ table, item });
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return out;
}

/** The items that mention a string anywhere (keys or values). */
export async function itemsMentioning(store: Store, text: string) {
  return (await allItems(store)).filter(({ item }) => JSON.stringify(item).includes(text));
}

export function admin(store: Store, ...argv: string[]) {
  return runAdminCaptured(argv, { store: () => store });
}
