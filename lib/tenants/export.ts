import { once } from "node:events";
import { open } from "node:fs/promises";
import { requireEnvironment } from "../auth/credentials.js";
import { batchGetAll, queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { mergedQueryPages } from "../storage/indexShards.js";
import type { OrgItem, OrgMemberItem, UserItem } from "../storage/items.js";
import { GSI_BY_LAST_ACTIVE, GSI_BY_SIGNUP, keys } from "../storage/tableDesign.js";
import { usersOfIndexRows } from "../users/storage.js";

/**
 * `environment export --environment ID FILE`: the environment's users, orgs and memberships as JSON Lines, one
 * record a line, for a customer who leaves (before `environment delete`). Instants are ISO 8601.
 *
 * | record                 | read from                                            | cost                    |
 * |------------------------|------------------------------------------------------|-------------------------|
 * | `{"record": "user"}`   | GSI bySignup (keys), sign-up order, then BatchGet     | Query + BatchGet ∝ users|
 * | `{"record": "org"}`    | GSI byLastActive `LA#O` (keys), then BatchGet        | ∝ orgs                  |
 * | `{"record": "membership"}` | each org's `MEMBER#` items                       | Query per org ∝ members |
 *
 * Current users only: a deleted user has left every listing (CONTRACT §3) and is not exported.
 */

export class ExportFileError extends Error {}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function userRecord(user: UserItem) {
  return {
    record: "user",
    user_id: user.user_id,
    username: user.username ?? null,
    email: user.email ?? null,
    first_name: user.first_name ?? null,
    last_name: user.last_name ?? null,
    profile: JSON.parse(user.profile_json ?? "{}"),
    signup_query_parameters: JSON.parse(user.signup_query_parameters_json ?? "{}"),
    created_at: iso(user.created_at),
    last_active_at: iso(user.last_active_at),
  };
}

export function orgRecord(org: OrgItem) {
  return {
    record: "org",
    org_id: org.org_id,
    name: org.name ?? null,
    created_at: iso(org.created_at),
    last_active_at: iso(org.last_active_at),
  };
}

export async function exportEnvironment(
  store: Store,
  environmentId: string,
  path: string,
): Promise<{ users: number; orgs: number; memberships: number }> {
  await requireEnvironment(store, environmentId);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "w");
  } catch {
    throw new ExportFileError(`cannot write file: ${path}`);
  }
  const out = handle.createWriteStream({ encoding: "utf8" });
  const write = async (record: object) => {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, "drain");
  };
  const counts = { users: 0, orgs: 0, memberships: 0 };
  try {
    const userKeys: { pk: string; sk: string }[] = [];
    const signupOrder = mergedQueryPages<{ pk: string; sk: string }>(
      store,
      { TableName: store.tables.entities, IndexName: GSI_BY_SIGNUP, KeyConditionExpression: "gsi1pk = :pk" },
      keys.signupIndexPks(environmentId),
      "gsi1sk",
    );
    for await (const page of signupOrder) userKeys.push(...page);
    const users: UserItem[] = await usersOfIndexRows(store, userKeys, "gsi1pk");
    for (const user of users) {
      await write(userRecord(user));
      counts.users += 1;
    }
    const orgKeys = await queryAll<{ pk: string; sk: string }>(store, {
      TableName: store.tables.entities,
      IndexName: GSI_BY_LAST_ACTIVE,
      KeyConditionExpression: "gsi2pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.lastActiveIndexPks(environmentId, "O")[0] },
    });
    const orgs = await batchGetAll<OrgItem>(
      store,
      store.tables.entities,
      orgKeys.map(({ pk, sk }) => ({ pk, sk })),
    );
    orgs.sort((a, b) => a.org_id.localeCompare(b.org_id));
    for (const org of orgs) {
      await write(orgRecord(org));
      counts.orgs += 1;
      const members = await queryAll<OrgMemberItem>(store, {
        TableName: store.tables.entities,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :member)",
        // An ended membership is a tombstone for a day (lib/ingest/writeMemberships.ts).
        FilterExpression: "attribute_not_exists(removed)",
        ExpressionAttributeValues: { ":pk": keys.orgPk(environmentId, org.org_id), ":member": keys.orgMemberPrefix },
      });
      for (const member of members) {
        await write({
          record: "membership",
          org_id: org.org_id,
          user_id: member.user_id,
          role: member.role ?? null,
          since: iso(member.since),
        });
        counts.memberships += 1;
      }
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return counts;
}
