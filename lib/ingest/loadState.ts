import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem, UserMembershipItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import type { BatchState, UserState } from "./applyEvents.js";
import type { IngestEvent } from "./schema.js";

const READ_CONCURRENCY = 16;

/** Strips the storage keys off an item so the state holds only domain attributes. */
function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ...rest } = item;
  return rest as T;
}

async function loadUser(store: Store, environmentId: string, userId: string): Promise<UserState> {
  const state: UserState = { user: undefined, memberships: new Map() };
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    // One partition holds the user and its memberships: one Query reads both.
    const page = await store.doc.send(
      new QueryCommand({
        TableName: store.tables.entities,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.userPk(environmentId, userId) },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === "USER") state.user = withoutKeys<UserItem>(item);
      else if (String(item.sk).startsWith(keys.userMembershipPrefix)) {
        const membership = withoutKeys<UserMembershipItem>(item);
        state.memberships.set(membership.org_id, membership);
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return state;
}

async function loadOrgs(store: Store, environmentId: string, orgIds: string[]): Promise<Map<string, OrgItem | undefined>> {
  const orgs = new Map<string, OrgItem | undefined>(orgIds.map((id) => [id, undefined]));
  const chunks: string[][] = [];
  for (let i = 0; i < orgIds.length; i += 100) chunks.push(orgIds.slice(i, i + 100));
  await mapLimit(chunks, READ_CONCURRENCY, async (chunk) => {
    let requested: Record<string, unknown>[] = chunk.map((id) => keys.org(environmentId, id));
    for (let attempt = 0; requested.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const got = await store.doc.send(
        new BatchGetCommand({
          RequestItems: { [store.tables.entities]: { Keys: requested, ConsistentRead: true } },
        }),
      );
      for (const item of got.Responses?.[store.tables.entities] ?? []) {
        const org = withoutKeys<OrgItem>(item);
        orgs.set(org.org_id, org);
      }
      requested = (got.UnprocessedKeys?.[store.tables.entities]?.Keys as Record<string, unknown>[]) ?? [];
    }
  });
  return orgs;
}

/**
 * Reads the state a batch needs: every user it names (with memberships) and every org it names or that those
 * users belong to (their activity counts for those orgs). Strongly consistent, since what follows is a
 * version-checked write.
 */
export async function loadBatchState(store: Store, environmentId: string, events: IngestEvent[]): Promise<BatchState> {
  const userIds = new Set<string>();
  const orgIds = new Set<string>();
  for (const event of events) {
    if ("user_id" in event) userIds.add(event.user_id);
    if ("org_id" in event && event.org_id !== undefined) orgIds.add(event.org_id);
  }
  const userStates = await mapLimit([...userIds], READ_CONCURRENCY, (id) => loadUser(store, environmentId, id));
  const users = new Map<string, UserState>();
  [...userIds].forEach((id, i) => {
    const state = userStates[i] as UserState;
    users.set(id, state);
    for (const orgId of state.memberships.keys()) orgIds.add(orgId);
  });
  return { users, orgs: await loadOrgs(store, environmentId, [...orgIds]) };
}
