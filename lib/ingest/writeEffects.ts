import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  PutCommand,
  type TransactWriteCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem, UserMembershipItem } from "../storage/items.js";
import { type ActiveMetric, type ActivityMetric, type Cadence, keys } from "../storage/tableDesign.js";
import { dayOf, monthOf, weekOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { ActivityPoint, BatchEffects, BatchState } from "./applyEvents.js";

/**
 * Writes what a batch recorded, in an order that makes a retry after a failure at any point count nothing twice:
 *
 *  1. activity sets (each new member added together with its bucket counter in one transaction, conditional on
 *     the member being absent), last/first activity (conditional max/min updates), invite and membership-change
 *     logs (keyed by the event's key): all idempotent, and all decided by the state *before* the batch;
 *  2. memberships (puts and deletes: idempotent);
 *  3. users and orgs, each in one transaction with the counters its change moves (sign-ups, orgs created,
 *     existing users), conditional on the version read: the state that gates later events is written last, so a
 *     retry that re-reads it recomputes exactly what step 1 and 2 already wrote.
 *
 * A version conflict in step 3 (a concurrent batch changed the same user or org) throws VersionConflict: the
 * caller re-reads and re-applies the whole batch, whose effects are all idempotent.
 */

const WRITE_CONCURRENCY = 16;

export class VersionConflict extends Error {
  constructor() {
    super("a concurrent batch changed the same user or org");
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const cadences: { cadence: Cadence; bucketOf: (ms: number) => string }[] = [
  { cadence: "day", bucketOf: dayOf },
  { cadence: "week", bucketOf: weekOf },
  { cadence: "month", bucketOf: monthOf },
];

function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  return (
    error instanceof TransactionCanceledException &&
    !!error.CancellationReasons?.some((r) => r.Code === "ConditionalCheckFailed") &&
    !error.CancellationReasons?.some((r) => r.Code && r.Code !== "ConditionalCheckFailed" && r.Code !== "None")
  );
}

/** Runs a conditional write; false when its condition did not hold. */
async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function counterUpdate(store: Store, e: string, metric: ActivityMetric, cadence: Cadence, bucket: string, delta: number) {
  return {
    Update: {
      TableName: store.tables.activity,
      Key: keys.bucketCounter(e, metric, cadence, bucket),
      UpdateExpression: "ADD #count :delta",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":delta": delta },
    },
  } satisfies TransactItem;
}

/** Counter moves for an instant leaving `before` buckets for `after` ones (a creation, or created_at moving). */
function bucketMoves(
  store: Store,
  e: string,
  metric: ActivityMetric,
  before: number | undefined,
  after: number | undefined,
): TransactItem[] {
  const items: TransactItem[] = [];
  for (const { cadence, bucketOf } of cadences) {
    const from = before === undefined ? undefined : bucketOf(before);
    const to = after === undefined ? undefined : bucketOf(after);
    if (from === to) continue;
    if (from !== undefined) items.push(counterUpdate(store, e, metric, cadence, from, -1));
    if (to !== undefined) items.push(counterUpdate(store, e, metric, cadence, to, 1));
  }
  return items;
}

// ---- step 1: activity ---------------------------------------------------------------------------------------

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
      const key = `${metric}\u0000${cadence}\u0000${bucket}\u0000${id}`;
      const member = members.get(key);
      if (member) {
        member.min = Math.min(member.min, at);
        member.max = Math.max(member.max, at);
      } else members.set(key, { metric, cadence, bucket, id, min: at, max: at });
    }
  }
  return [...members.values()];
}

async function addToActivitySet(store: Store, e: string, m: SetMember): Promise<void> {
  const Key = keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id);
  const added = await conditionally(() =>
    store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: store.tables.activity,
              Item: { ...Key, min_at: m.min, max_at: m.max },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          counterUpdate(store, e, m.metric, m.cadence, m.bucket, 1),
        ],
      }),
    ),
  );
  if (added || m.cadence !== "day") return;
  // Already a member of the day: widen its first/last instant of the day if this batch lies outside it.
  await Promise.all([
    conditionally(() =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tables.activity,
          Key,
          UpdateExpression: "SET min_at = :v",
          ConditionExpression: "min_at > :v",
          ExpressionAttributeValues: { ":v": m.min },
        }),
      ),
    ),
    conditionally(() =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tables.activity,
          Key,
          UpdateExpression: "SET max_at = :v",
          ConditionExpression: "max_at < :v",
          ExpressionAttributeValues: { ":v": m.max },
        }),
      ),
    ),
  ]);
}

/** Conditional min/max of an existing entity's first/last activity; the last one also keys the byLastActive index. */
function activityBoundsUpdates(
  store: Store,
  e: string,
  kind: "U" | "O",
  Key: Record<string, string>,
  id: string,
  before: { first_active_at: number; last_active_at: number },
  after: { first_active_at: number; last_active_at: number },
): (() => Promise<unknown>)[] {
  const writes: (() => Promise<unknown>)[] = [];
  if (after.last_active_at > before.last_active_at) {
    const index = keys.lastActiveIndex(e, kind, after.last_active_at, id);
    writes.push(() =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tables.entities,
          Key,
          UpdateExpression: "SET last_active_at = :t, gsi2pk = :pk, gsi2sk = :sk",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(deleted_at) AND last_active_at < :t",
          ExpressionAttributeValues: { ":t": after.last_active_at, ":pk": index.gsi2pk, ":sk": index.gsi2sk },
        }),
      ),
    );
  }
  if (after.first_active_at < before.first_active_at) {
    writes.push(() =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tables.entities,
          Key,
          UpdateExpression: "SET first_active_at = :t",
          ConditionExpression: "attribute_exists(pk) AND first_active_at > :t",
          ExpressionAttributeValues: { ":t": after.first_active_at },
        }),
      ),
    );
  }
  return writes.map((write) => () => conditionally(write));
}

async function writeActivityAndLogs(store: Store, e: string, loaded: BatchState, effects: BatchEffects) {
  const writes: (() => Promise<unknown>)[] = [];
  for (const member of activitySetMembers(effects.activity)) writes.push(() => addToActivitySet(store, e, member));
  for (const [userId, { user }] of effects.state.users) {
    const before = loaded.users.get(userId)?.user;
    if (before && user) writes.push(...activityBoundsUpdates(store, e, "U", keys.user(e, userId), userId, before, user));
  }
  for (const [orgId, org] of effects.state.orgs) {
    const before = loaded.orgs.get(orgId);
    if (before && org) writes.push(...activityBoundsUpdates(store, e, "O", keys.org(e, orgId), orgId, before, org));
  }
  for (const { eventKey, item } of effects.invites) {
    const Item = { ...keys.invite(e, dayOf(item.at), item.at, eventKey), ...item };
    writes.push(() => store.doc.send(new PutCommand({ TableName: store.tables.activity, Item })));
  }
  for (const { eventKey, item } of effects.memberChanges) {
    const Item = { ...keys.memberChange(e, dayOf(item.at), item.at, eventKey, item.org_id), ...item };
    writes.push(() => store.doc.send(new PutCommand({ TableName: store.tables.activity, Item })));
  }
  await mapLimit(writes, WRITE_CONCURRENCY, (write) => write());
}

// ---- step 2: memberships ------------------------------------------------------------------------------------

function sameMembership(a: UserMembershipItem | undefined, b: UserMembershipItem): boolean {
  return !!a && a.role === b.role && a.since === b.since;
}

async function writeMemberships(store: Store, e: string, loaded: BatchState, effects: BatchEffects) {
  const writes: (() => Promise<unknown>)[] = [];
  for (const [userId, { memberships }] of effects.state.users) {
    const before = loaded.users.get(userId)?.memberships ?? new Map<string, UserMembershipItem>();
    for (const [orgId, m] of memberships) {
      if (sameMembership(before.get(orgId), m)) continue;
      writes.push(
        () => store.doc.send(new PutCommand({ TableName: store.tables.entities, Item: { ...keys.userMembership(e, userId, orgId), ...m } })),
        () =>
          store.doc.send(
            new PutCommand({
              TableName: store.tables.entities,
              Item: { ...keys.orgMember(e, orgId, userId), user_id: userId, role: m.role, since: m.since },
            }),
          ),
      );
    }
    for (const orgId of before.keys()) {
      if (memberships.has(orgId)) continue;
      writes.push(
        () => store.doc.send(new DeleteCommand({ TableName: store.tables.entities, Key: keys.userMembership(e, userId, orgId) })),
        () => store.doc.send(new DeleteCommand({ TableName: store.tables.entities, Key: keys.orgMember(e, orgId, userId) })),
      );
    }
  }
  await mapLimit(writes, WRITE_CONCURRENCY, (write) => write());
}

// ---- step 3: users and orgs ---------------------------------------------------------------------------------

const USER_FIELDS = [
  "username",
  "email",
  "first_name",
  "last_name",
  "profile",
  "signup_query_parameters",
  "created_at",
  "last_modified",
  "deleted_at",
] as const;

function changedFields<T extends object>(before: T, after: T, fields: readonly (keyof T)[]): (keyof T)[] {
  return fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

/** The index keys an entity carries: listed users appear in both GSIs, deleted users in none. */
function userIndexKeys(e: string, user: UserItem) {
  if (user.deleted_at !== undefined) return {};
  return {
    ...keys.signupIndex(e, user.created_at, user.user_id),
    ...keys.lastActiveIndex(e, "U", user.last_active_at, user.user_id),
  };
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

function userWrite(store: Store, e: string, before: UserItem | undefined, after: UserItem): TransactItem[] {
  const listed = (u: UserItem | undefined) => !!u && u.deleted_at === undefined;
  const counters = [
    ...bucketMoves(store, e, "signups", before?.created_at, after.created_at),
    ...(listed(before) !== listed(after) ? [counterUpdateUsers(store, e, listed(after) ? 1 : -1)] : []),
  ];
  if (!before) {
    return [
      {
        Put: {
          TableName: store.tables.entities,
          Item: { ...keys.user(e, after.user_id), ...after, version: 1, ...userIndexKeys(e, after) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...counters,
    ];
  }
  const changed = changedFields(before, after, USER_FIELDS);
  if (changed.length === 0) return [];
  const set: Record<string, unknown> = {};
  for (const field of changed) if (after[field] !== undefined) set[field] = after[field];
  const remove: string[] = [];
  if (after.deleted_at !== undefined) remove.push("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk");
  else Object.assign(set, keys.signupIndex(e, after.created_at, after.user_id));
  return [versionedUpdate(store.tables.entities, keys.user(e, after.user_id), before.version, set, remove), ...counters];
}

function counterUpdateUsers(store: Store, e: string, delta: number): TransactItem {
  return {
    Update: {
      TableName: store.tables.entities,
      Key: keys.userCount(e),
      UpdateExpression: "ADD #count :delta",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":delta": delta },
    },
  };
}

function orgWrite(store: Store, e: string, before: OrgItem | undefined, after: OrgItem): TransactItem[] {
  const counters = bucketMoves(store, e, "orgs_created", before?.created_at, after.created_at);
  if (!before) {
    return [
      {
        Put: {
          TableName: store.tables.entities,
          Item: {
            ...keys.org(e, after.org_id),
            ...after,
            version: 1,
            ...keys.lastActiveIndex(e, "O", after.last_active_at, after.org_id),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...counters,
    ];
  }
  const changed = changedFields(before, after, ["name", "created_at"] as const);
  if (changed.length === 0) return [];
  const set = Object.fromEntries(changed.map((f) => [f, after[f]]));
  return [versionedUpdate(store.tables.entities, keys.org(e, after.org_id), before.version, set, []), ...counters];
}

async function writeEntities(store: Store, e: string, loaded: BatchState, effects: BatchEffects) {
  const transactions: TransactItem[][] = [];
  for (const [userId, { user }] of effects.state.users) {
    if (user) transactions.push(userWrite(store, e, loaded.users.get(userId)?.user, user));
  }
  for (const [orgId, org] of effects.state.orgs) {
    if (org) transactions.push(orgWrite(store, e, loaded.orgs.get(orgId), org));
  }
  const results = await mapLimit(
    transactions.filter((items) => items.length > 0),
    WRITE_CONCURRENCY,
    (TransactItems) => conditionally(() => store.doc.send(new TransactWriteCommand({ TransactItems }))),
  );
  if (results.includes(false)) throw new VersionConflict();
}

/** Steps 1–3 above, in order. */
export async function writeEffects(store: Store, e: string, loaded: BatchState, effects: BatchEffects): Promise<void> {
  await writeActivityAndLogs(store, e, loaded, effects);
  await writeMemberships(store, e, loaded, effects);
  await writeEntities(store, e, loaded, effects);
}
