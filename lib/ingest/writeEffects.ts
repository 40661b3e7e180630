import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll, batchWriteAll, type WriteRequest } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem, UserMembershipItem } from "../storage/items.js";
import { type ActiveMetric, type ActivityMetric, type Cadence, keys } from "../storage/tableDesign.js";
import { type TransactItem, transactConditionalWrites } from "../storage/transactions.js";
import { dayOf, monthOf, weekOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { ActivityPoint, BatchEffects, BatchState, UserState } from "./applyEvents.js";

/**
 * Writes what a batch recorded, in an order that makes a retry after a failure at any point count nothing twice:
 *
 *  1. activity sets — new members added in transactions of up to 99, each with one `ADD n` to its bucket counter,
 *     conditional on the member being absent (so the counter is the number of distinct members, however often a
 *     batch is retried); the first/last instant of existing day members widened; invite and membership-change
 *     logs put under the event's key. All idempotent.
 *  2. the org side of memberships (puts and deletes: idempotent);
 *  3. users and orgs, grouped in transactions with the counters their changes move (sign-ups, orgs created,
 *     existing users), each conditional on the version read. This is the state that gates later events
 *     (deletion, memberships), written last: a retry re-reads it and recomputes exactly what 1 and 2 wrote.
 *
 * A version conflict in step 3 (a concurrent batch changed the same user or org) throws VersionConflict: the
 * caller re-reads and re-applies the whole batch, whose effects are all idempotent.
 */

const GROUP_CONCURRENCY = 8;

export class VersionConflict extends Error {
  constructor() {
    super("a concurrent batch changed the same user or org");
  }
}

const cadences: { cadence: Cadence; bucketOf: (ms: number) => string }[] = [
  { cadence: "day", bucketOf: dayOf },
  { cadence: "week", bucketOf: weekOf },
  { cadence: "month", bucketOf: monthOf },
];

interface CounterKey {
  table: string;
  key: Record<string, string>;
}

function counterAdd({ table, key }: CounterKey, delta: number): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: "ADD #count :delta",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":delta": delta },
    },
  };
}

const bucketCounter = (
  store: Store,
  e: string,
  metric: ActivityMetric,
  cadence: Cadence,
  bucket: string,
): CounterKey => ({
  table: store.tables.activity,
  key: keys.bucketCounter(e, metric, cadence, bucket),
});

// ---- step 1: activity and logs --------------------------------------------------------------------------------

interface SetMember {
  metric: ActiveMetric;
  cadence: Cadence;
  bucket: string;
  id: string;
  min: number;
  max: number;
}

function activitySetMembers(activity: ActivityPoint[]): SetMember[] {
  const members = new Map<string, SetMember>();
  for (const { kind, id, at } of activity) {
    const metric: ActiveMetric = kind === "user" ? "active_users" : "active_orgs";
    for (const { cadence, bucketOf } of cadences) {
      const bucket = bucketOf(at);
      const key = JSON.stringify([metric, cadence, bucket, id]);
      const member = members.get(key);
      if (member) {
        member.min = Math.min(member.min, at);
        member.max = Math.max(member.max, at);
      } else members.set(key, { metric, cadence, bucket, id, min: at, max: at });
    }
  }
  return [...members.values()];
}

/** Conditional widening of an existing day member's first/last instant. */
function widenDayMember(
  store: Store,
  e: string,
  m: SetMember,
  stored: { min_at: number; max_at: number },
): TransactItem[] {
  const Key = keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id);
  const updates: TransactItem[] = [];
  if (m.min < stored.min_at || m.max > stored.max_at) {
    updates.push({
      Update: {
        TableName: store.tables.activity,
        Key,
        UpdateExpression: "SET min_at = :min, max_at = :max",
        // Unchanged since read: otherwise a concurrent batch widened it, and this batch retries the read.
        ConditionExpression: "min_at = :oldMin AND max_at = :oldMax",
        ExpressionAttributeValues: {
          ":min": Math.min(m.min, stored.min_at),
          ":max": Math.max(m.max, stored.max_at),
          ":oldMin": stored.min_at,
          ":oldMax": stored.max_at,
        },
      },
    });
  }
  return updates;
}

async function writeActivitySets(store: Store, e: string, activity: ActivityPoint[]): Promise<void> {
  let members = activitySetMembers(activity);
  for (let attempt = 0; members.length > 0 && attempt < 5; attempt++) {
    const stored = new Map(
      (
        await batchGetAll<Record<string, unknown>>(
          store,
          store.tables.activity,
          members.map((m) => keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id)),
          { consistent: true },
        )
      ).map((item) => [`${item.pk}\u0000${item.sk}`, item as { min_at: number; max_at: number }]),
    );
    const storedOf = (m: SetMember) => {
      const { pk, sk } = keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id);
      return stored.get(`${pk}\u0000${sk}`);
    };
    // New members, one group per bucket counter.
    const groups = new Map<string, SetMember[]>();
    for (const m of members) {
      if (storedOf(m)) continue;
      const group = `${m.metric}\u0000${m.cadence}\u0000${m.bucket}`;
      groups.set(group, [...(groups.get(group) ?? []), m]);
    }
    const lost: SetMember[] = [];
    await mapLimit([...groups.values()], GROUP_CONCURRENCY, async (group) => {
      const first = group[0] as SetMember;
      const counter = bucketCounter(store, e, first.metric, first.cadence, first.bucket);
      const puts: TransactItem[] = group.map((m) => ({
        Put: {
          TableName: store.tables.activity,
          Item: { ...keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id), min_at: m.min, max_at: m.max },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      }));
      const written = await transactConditionalWrites(store, puts, (n) => [counterAdd(counter, n)], 1);
      // Added meanwhile by a concurrent batch: read again and widen it instead.
      group.forEach((m, i) => {
        if (!written[i] && m.cadence === "day") lost.push(m);
      });
    });
    const widenings = members.filter((m) => m.cadence === "day" && storedOf(m));
    const updates = widenings.flatMap((m) =>
      widenDayMember(store, e, m, storedOf(m) as { min_at: number; max_at: number }),
    );
    const widened = await transactConditionalWrites(store, updates);
    const stale = widenings.filter((m) => {
      const s = storedOf(m) as { min_at: number; max_at: number };
      return m.min < s.min_at || m.max > s.max_at;
    });
    members = [...lost, ...stale.filter((_, i) => !widened[i])];
  }
}

async function writeLogs(store: Store, e: string, effects: BatchEffects): Promise<void> {
  const puts = [
    ...effects.invites.map(({ eventKey, item }) => ({ ...keys.invite(e, dayOf(item.at), item.at, eventKey), ...item })),
    ...effects.memberChanges.map(({ eventKey, item }) => ({
      ...keys.memberChange(e, dayOf(item.at), item.at, eventKey, item.org_id),
      ...item,
    })),
  ];
  await batchWriteAll(
    store,
    store.tables.activity,
    puts.map((Item) => ({ PutRequest: { Item } })),
  );
}

// ---- step 2: membership items ---------------------------------------------------------------------------------

function sameMembership(a: UserMembershipItem | undefined, b: UserMembershipItem): boolean {
  return !!a && a.role === b.role && a.since === b.since;
}

/** Members of an org (`MEMBER#`) and orgs of a user (`ORG#`) as items, for readers that Query them. */
async function writeMembershipItems(store: Store, e: string, loaded: BatchState, effects: BatchEffects): Promise<void> {
  const requests: WriteRequest[] = [];
  for (const [userId, { memberships }] of effects.state.users) {
    const before = loaded.users.get(userId)?.memberships ?? new Map<string, UserMembershipItem>();
    for (const [orgId, m] of memberships) {
      if (sameMembership(before.get(orgId), m)) continue;
      requests.push(
        { PutRequest: { Item: { ...keys.userMembership(e, userId, orgId), ...m } } },
        {
          PutRequest: { Item: { ...keys.orgMember(e, orgId, userId), user_id: userId, role: m.role, since: m.since } },
        },
      );
    }
    for (const orgId of before.keys()) {
      if (memberships.has(orgId)) continue;
      requests.push(
        { DeleteRequest: { Key: keys.userMembership(e, userId, orgId) } },
        { DeleteRequest: { Key: keys.orgMember(e, orgId, userId) } },
      );
    }
  }
  await batchWriteAll(store, store.tables.entities, requests);
}

// ---- step 3: users and orgs -----------------------------------------------------------------------------------

interface EntityWrite {
  item: TransactItem;
  counters: { counter: CounterKey; delta: number }[];
}

/** Counter moves for an instant leaving `before`'s buckets for `after`'s (a creation, or created_at moving). */
function bucketMoves(store: Store, e: string, metric: ActivityMetric, before: number | undefined, after: number) {
  const moves: EntityWrite["counters"] = [];
  for (const { cadence, bucketOf } of cadences) {
    const from = before === undefined ? undefined : bucketOf(before);
    const to = bucketOf(after);
    if (from === to) continue;
    if (from !== undefined) moves.push({ counter: bucketCounter(store, e, metric, cadence, from), delta: -1 });
    moves.push({ counter: bucketCounter(store, e, metric, cadence, to), delta: 1 });
  }
  return moves;
}

function versionedUpdate(
  table: string,
  Key: Record<string, string>,
  version: number,
  set: Record<string, unknown>,
  remove: string[],
): TransactItem {
  const names: Record<string, string> = { "#version": "version" };
  const values: Record<string, unknown> = { ":version": version, ":next": version + 1 };
  const assignments = ["#version = :next"];
  Object.entries(set).forEach(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    assignments.push(`#f${i} = :v${i}`);
  });
  const removals = remove.map((field, i) => {
    names[`#r${i}`] = field;
    return `#r${i}`;
  });
  return {
    Update: {
      TableName: table,
      Key,
      UpdateExpression: `SET ${assignments.join(", ")}${removals.length ? ` REMOVE ${removals.join(", ")}` : ""}`,
      ConditionExpression: "#version = :version",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The attributes of a changed entity that differ from what was read. */
function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(after)) {
    if (field !== "version" && value !== undefined && JSON.stringify(before[field]) !== JSON.stringify(value)) {
      changed[field] = value;
    }
  }
  return changed;
}

function userAttributes(e: string, { user, memberships }: UserState): Record<string, unknown> {
  const u = user as UserItem;
  const listed = u.deleted_at === undefined;
  return {
    ...u,
    orgs: Object.fromEntries([...memberships].sort(([a], [b]) => a.localeCompare(b))),
    // Listed users carry the index keys of both GSIs; a deleted user drops them (and so leaves every listing).
    ...(listed ? keys.signupIndex(e, u.created_at, u.user_id) : {}),
    ...(listed ? keys.lastActiveIndex(e, "U", u.last_active_at, u.user_id) : {}),
  };
}

function userWrite(store: Store, e: string, loaded: UserState | undefined, after: UserState): EntityWrite | undefined {
  const before = loaded?.user;
  const user = after.user as UserItem;
  const listed = (u: UserItem | undefined) => !!u && u.deleted_at === undefined;
  const counters = bucketMoves(store, e, "signups", before?.created_at, user.created_at);
  if (listed(before) !== listed(user)) {
    counters.push({ counter: { table: store.tables.entities, key: keys.userCount(e) }, delta: listed(user) ? 1 : -1 });
  }
  const attributes = userAttributes(e, after);
  if (!before) {
    return {
      item: {
        Put: {
          TableName: store.tables.entities,
          Item: { ...keys.user(e, user.user_id), ...attributes, version: 1 },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      counters,
    };
  }
  const changed = changedAttributes(userAttributes(e, loaded as UserState), attributes);
  if (Object.keys(changed).length === 0) return undefined;
  const remove = listed(user) ? [] : ["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"];
  return {
    item: versionedUpdate(store.tables.entities, keys.user(e, user.user_id), before.version, changed, remove),
    counters,
  };
}

function orgAttributes(e: string, org: OrgItem): Record<string, unknown> {
  return { ...org, ...keys.lastActiveIndex(e, "O", org.last_active_at, org.org_id) };
}

function orgWrite(store: Store, e: string, before: OrgItem | undefined, after: OrgItem): EntityWrite | undefined {
  const counters = bucketMoves(store, e, "orgs_created", before?.created_at, after.created_at);
  if (!before) {
    return {
      item: {
        Put: {
          TableName: store.tables.entities,
          Item: { ...keys.org(e, after.org_id), ...orgAttributes(e, after), version: 1 },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      counters,
    };
  }
  const changed = changedAttributes(orgAttributes(e, before), orgAttributes(e, after));
  if (Object.keys(changed).length === 0) return undefined;
  return {
    item: versionedUpdate(store.tables.entities, keys.org(e, after.org_id), before.version, changed, []),
    counters,
  };
}

/** Entity writes packed into transactions of ≤ 100 items, each with the sum of its entities' counter moves. */
function packEntityWrites(writes: EntityWrite[]): TransactItem[][] {
  const transactions: TransactItem[][] = [];
  let entities: TransactItem[] = [];
  let counters = new Map<string, { counter: CounterKey; delta: number }>();
  const flush = () => {
    const sums = [...counters.values()].filter((c) => c.delta !== 0).map((c) => counterAdd(c.counter, c.delta));
    if (entities.length > 0) transactions.push([...entities, ...sums]);
    entities = [];
    counters = new Map();
  };
  for (const write of writes) {
    const newCounters = write.counters.filter((c) => !counters.has(JSON.stringify(c.counter))).length;
    if (entities.length + 1 + counters.size + newCounters > 100) flush();
    entities.push(write.item);
    for (const { counter, delta } of write.counters) {
      const id = JSON.stringify(counter);
      const sum = counters.get(id) ?? { counter, delta: 0 };
      sum.delta += delta;
      counters.set(id, sum);
    }
  }
  flush();
  return transactions;
}

async function writeEntities(store: Store, e: string, loaded: BatchState, effects: BatchEffects): Promise<void> {
  const writes: (EntityWrite | undefined)[] = [];
  for (const [userId, state] of effects.state.users) {
    if (state.user) writes.push(userWrite(store, e, loaded.users.get(userId), state));
  }
  for (const [orgId, org] of effects.state.orgs) {
    if (org) writes.push(orgWrite(store, e, loaded.orgs.get(orgId), org));
  }
  // Sequential: the transactions share counter items, and concurrent transactions on one item conflict.
  for (const TransactItems of packEntityWrites(writes.filter((w): w is EntityWrite => w !== undefined))) {
    try {
      await store.doc.send(new TransactWriteCommand({ TransactItems }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (codes.includes("ConditionalCheckFailed") || codes.includes("TransactionConflict"))
          throw new VersionConflict();
      }
      throw error;
    }
  }
}

/** Steps 1–3 above, in order. */
export async function writeEffects(store: Store, e: string, loaded: BatchState, effects: BatchEffects): Promise<void> {
  await Promise.all([writeActivitySets(store, e, effects.activity), writeLogs(store, e, effects)]);
  await writeMembershipItems(store, e, loaded, effects);
  await writeEntities(store, e, loaded, effects);
}
