import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import type { OrgItem, UserItem } from "../storage/items.js";
import { type ActivityMetric, COUNTER_SUB_ITEMS, counterSubItem, indexShardOf, keys } from "../storage/tableDesign.js";
import type { TransactItem } from "../storage/transactions.js";
import { keepsProfileApart, splitUser } from "../storage/userProfile.js";
import { hourOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { type ActiveDays, enteredBuckets, withDays } from "./activeDays.js";
import { type ActiveHours, liveHourMoves } from "./activeHours.js";
import { withApplied } from "./appliedBatches.js";
import { type BatchEffects, PERSONAL_FIELD_NAMES, type UserState } from "./applyEvents.js";
import { bucketCounter, type CounterKey, cadences, counterAdds } from "./counters.js";
import type { LoadedState } from "./loadState.js";
import { itemChanges, preImageDelta } from "./preImage.js";

/**
 * Step 3 of writeEffects: users and orgs, grouped in transactions with the counters their changes move, each
 * conditional on the version read. A failed condition means a concurrent batch changed one of them.
 *
 * The counters an entity's write moves, all derived from its state before and after the batch (so a retry, which
 * starts again from the state before, moves exactly what one clean delivery would):
 *
 * | change                                   | counters (each one item, ADD ±n)                                    |
 * |------------------------------------------|---------------------------------------------------------------------|
 * | user created / created_at moved          | signups day, week, month (−1 old buckets, +1 new)                   |
 * | user listed ↔ not (created, deleted)     | existing users                                                      |
 * | listed user's last activity changes hour | last-active hour: −1 old hour, +1 new (LAH, tableDesign.ts)         |
 * | user / org active on a day it wasn't     | active_users / active_orgs: that day, and its week / month if new   |
 * | user active in a clock hour it wasn't,   | hour counts of its day (HC): the hour; its two-hour group if new    |
 * |   on a live day (today, yesterday)       | (older days: none; their generation, hourGenerations.ts)            |
 * | org created / created_at moved           | orgs_created day, week, month                                       |
 *
 * Transactions hold ≤ 100 items and several entities: a counter touched by several of them is one item (summed).
 * A write that moves no counter (a profile change, a membership, a repeat activity in the same hour) is a plain
 * conditional write: 1 write unit where a transaction item costs 2.
 */

export class VersionConflict extends Error {
  constructor() {
    super("a concurrent batch changed the same user or org");
  }
}

interface EntityWrite {
  /** The entity's versioned write first, then (users) its `PROFILE` item's, written together. */
  items: TransactItem[];
  counters: { counter: CounterKey; delta: number }[];
}

/** Counter moves for an instant leaving `before`'s buckets for `after`'s (a creation, or created_at moving). */
function bucketMoves(store: Store, e: string, metric: ActivityMetric, before: number | undefined, after: number) {
  const moves: EntityWrite["counters"] = [];
  for (const { cadence, bucketOf } of cadences) {
    const from = before === undefined ? undefined : bucketOf(before);
    const to = bucketOf(after);
    if (from === to) continue;
    if (before !== undefined) moves.push({ counter: bucketCounter(store, e, metric, cadence, before), delta: -1 });
    moves.push({ counter: bucketCounter(store, e, metric, cadence, after), delta: 1 });
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

/** The stored form of a user's state (without keys): memberships as a list sorted by org id. */
function storedUser({ user, memberships }: UserState): Record<string, unknown> {
  const orgs = [...memberships.values()].sort((a, b) => (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : 0));
  return { ...(user as UserItem), orgs };
}

/** Attributes a pre-image leaves out: the version (the write's condition) and the index keys (derived). */
const NOT_IN_PRE_IMAGE = new Set(["version", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]);
/** What an erasing write's pre-image leaves out too: a retry of its batch ends erased all the same. */
const PERSONAL = new Set([...NOT_IN_PRE_IMAGE, ...PERSONAL_FIELD_NAMES, "profile_apart"]);

/**
 * The versioned update turning the stored `before` into `after`, stamped with `batchId` and the pre-image of only
 * what it changes (preImage.ts); undefined when nothing changes.
 */
function entityUpdate(
  table: string,
  Key: Record<string, string>,
  version: number,
  { batchId, applied }: Stamp,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  erasing = false,
): TransactItem | undefined {
  const { set, remove } = itemChanges(before, after, NOT_IN_PRE_IMAGE_OR_VERSION);
  if (Object.keys(set).length === 0 && remove.length === 0) return undefined;
  const { prev_delta, prev_absent } = preImageDelta(before, after, erasing ? PERSONAL : NOT_IN_PRE_IMAGE);
  const stamp = {
    prev_batch: batchId,
    prev_delta,
    ...(prev_absent.length > 0 ? { prev_absent } : {}),
    ...(applied ? { applied } : {}),
  };
  // A whole pre-image of an older write, or the added-field names of the last one, must not outlive this write.
  const stale = ["prev_state", ...(prev_absent.length > 0 ? [] : ["prev_absent"])];
  return versionedUpdate(table, Key, version, { ...set, ...stamp }, [...remove, ...stale]);
}

const NOT_IN_PRE_IMAGE_OR_VERSION = new Set(["version"]);

/**
 * What a write is stamped with: the delivery's stamp (`prev_batch`, loadState.ts) and the entity's `applied` list
 * with the delivery's batches added (appliedBatches.ts); none when it applies no batch (events without `event_id`).
 */
interface Stamp {
  batchId: string;
  applied: string | undefined;
}

/**
 * The user's stored attributes: its hot item's (with both GSIs' keys while it is listed; a deleted user drops them
 * and so leaves every listing) and, once its profile is apart (lib/storage/userProfile.ts), its `PROFILE` item's.
 */
function userAttributes(e: string, state: UserState, apart: boolean) {
  const u = state.user as UserItem;
  const listed = u.deleted_at === undefined;
  const { hot, profile } = splitUser({ ...storedUser(state), profile_apart: undefined }, apart);
  return {
    hot: {
      ...hot,
      ...(listed ? keys.signupIndex(e, u.created_at, u.user_id) : {}),
      ...(listed ? keys.lastActiveIndex(e, "U", u.last_active_at, u.user_id) : {}),
    } as Record<string, unknown>,
    profile,
  };
}

/** A listed user counts in the hour of its latest activity (tableDesign.ts): leaving one hour, entering another. */
function lastActiveHourMoves(store: Store, e: string, before: UserItem | undefined, after: UserItem) {
  const hourOfListed = (u: UserItem | undefined) =>
    u && u.deleted_at === undefined ? hourOf(u.last_active_at) : undefined;
  const from = hourOfListed(before);
  const to = hourOfListed(after);
  const moves: EntityWrite["counters"] = [];
  if (from === to) return moves;
  const counter = (hour: string) => ({
    table: store.tables.activity,
    key: keys.lastActiveHour(e, hour),
    attribute: "count",
    spread: true,
  });
  if (from !== undefined) moves.push({ counter: counter(from), delta: -1 });
  if (to !== undefined) moves.push({ counter: counter(to), delta: 1 });
  return moves;
}

/** The entity's calendar after the batch, and the active-set counters it enters (see activeDays.ts). */
function activeDaysMoves(
  store: Store,
  e: string,
  metric: "active_users" | "active_orgs",
  before: ActiveDays | undefined,
  instants: number[],
) {
  const counters: EntityWrite["counters"] = enteredBuckets(before, instants).map(({ cadence, at }) => ({
    counter: bucketCounter(store, e, metric, cadence, at),
    delta: 1,
  }));
  return { days: instants.length > 0 ? withDays(before, instants) : before, counters };
}

/**
 * The user's hour calendar after the batch (live days only, trimmed), and the hour counters of each live day it
 * enters an hour of (activeHours.ts `liveHourMoves`; older days: hourGenerations.ts): all the counts of one day are
 * attributes of one item, so a transaction's users active on one day share it.
 */
function activeHoursMoves(store: Store, e: string, before: ActiveHours | undefined, instants: number[], now: number) {
  const { entered, hours } = liveHourMoves(before, instants, now);
  const counters: EntityWrite["counters"] = entered.flatMap(({ day, attributes }) =>
    attributes.map((attribute) => ({
      counter: { table: store.tables.activity, key: keys.hourCounts(e, day), attribute, spread: true },
      delta: 1,
    })),
  );
  return { hours, counters };
}

function userWrite(
  store: Store,
  e: string,
  stamp: Stamp,
  loaded: UserState | undefined,
  afterState: UserState,
  instants: number[],
  now: number,
): EntityWrite | undefined {
  const before = loaded?.user;
  const active = activeDaysMoves(store, e, "active_users", before?.active_days, instants);
  const hours = activeHoursMoves(store, e, before?.active_hours, instants, now);
  const after: UserState = {
    ...afterState,
    user: { ...(afterState.user as UserItem), active_days: active.days, active_hours: hours.hours },
  };
  const user = after.user as UserItem;
  const listed = (u: UserItem | undefined) => !!u && u.deleted_at === undefined;
  const counters = bucketMoves(store, e, "signups", before?.created_at, user.created_at);
  if (listed(before) !== listed(user)) {
    counters.push({
      counter: { table: store.tables.entities, key: keys.userCount(e), attribute: "count", spread: true },
      delta: listed(user) ? 1 : -1,
    });
  }
  counters.push(...lastActiveHourMoves(store, e, before, user), ...active.counters, ...hours.counters);
  const wasApart = before?.profile_apart === true;
  const erasing = user.erased_at !== undefined && before?.erased_at === undefined;
  const apart = user.erased_at === undefined && keepsProfileApart(user, wasApart);
  const stored = userAttributes(e, after, apart);
  const profileKey = keys.userProfile(e, user.user_id);
  if (!before) {
    const Item = {
      ...keys.user(e, user.user_id),
      ...stored.hot,
      prev_batch: stamp.batchId,
      ...(stamp.applied ? { applied: stamp.applied } : {}),
      version: 1,
    };
    return {
      items: [
        { Put: { TableName: store.tables.entities, Item, ConditionExpression: "attribute_not_exists(pk)" } },
        ...(stored.profile
          ? [
              {
                Put: {
                  TableName: store.tables.entities,
                  Item: { ...profileKey, ...stored.profile, prev_batch: stamp.batchId },
                },
              },
            ]
          : []),
      ],
      counters,
    };
  }
  const previous = userAttributes(e, loaded as UserState, wasApart);
  const update = entityUpdate(
    store.tables.entities,
    keys.user(e, user.user_id),
    before.version,
    stamp,
    previous.hot,
    stored.hot,
    erasing,
  );
  if (!update) return undefined;
  const items = [update];
  if (stored.profile && JSON.stringify(stored.profile) !== JSON.stringify(previous.profile)) {
    // Its content before rides along only for a retry of this batch (loadState.ts); an erased profile keeps none.
    const Item = {
      ...profileKey,
      ...stored.profile,
      prev_batch: stamp.batchId,
      ...(previous.profile ? { prev_profile: previous.profile } : {}),
    };
    items.push({ Put: { TableName: store.tables.entities, Item } });
  } else if (!stored.profile && previous.profile) {
    items.push({ Delete: { TableName: store.tables.entities, Key: profileKey } });
  }
  return { items, counters };
}

function orgAttributes(e: string, org: OrgItem): Record<string, unknown> {
  return { ...org, ...keys.lastActiveIndex(e, "O", org.last_active_at, org.org_id) };
}

function orgWrite(
  store: Store,
  e: string,
  stamp: Stamp,
  before: OrgItem | undefined,
  afterState: OrgItem,
  instants: number[],
): EntityWrite | undefined {
  const active = activeDaysMoves(store, e, "active_orgs", before?.active_days, instants);
  const after: OrgItem = { ...afterState, active_days: active.days };
  const counters = bucketMoves(store, e, "orgs_created", before?.created_at, after.created_at);
  counters.push(...active.counters);
  if (!before) {
    const Item = {
      ...keys.org(e, after.org_id),
      ...orgAttributes(e, after),
      prev_batch: stamp.batchId,
      ...(stamp.applied ? { applied: stamp.applied } : {}),
      version: 1,
    };
    return {
      items: [{ Put: { TableName: store.tables.entities, Item, ConditionExpression: "attribute_not_exists(pk)" } }],
      counters,
    };
  }
  const update = entityUpdate(
    store.tables.entities,
    keys.org(e, after.org_id),
    before.version,
    stamp,
    orgAttributes(e, before),
    orgAttributes(e, after),
  );
  return update ? { items: [update], counters } : undefined;
}

/**
 * Entity writes packed into transactions of ≤ 100 items, each with one Update per counter item its entities move
 * (the sum of their moves of each attribute; several counts of one month item are one item of the transaction).
 */
function packEntityWrites(writes: EntityWrite[]): TransactItem[][] {
  const transactions: TransactItem[][] = [];
  let entities: TransactItem[] = [];
  let items = new Map<string, { counter: CounterKey; deltas: Map<string, number> }>();
  const itemId = (c: CounterKey) => `${c.table}\u0000${c.key.pk}\u0000${c.key.sk}`;
  const flush = () => {
    // One sub-item per transaction for the spread counters, drawn from its first write's key: stable for a given
    // transaction, different across a tenant's transactions (tableDesign.ts COUNTER_SUB_ITEMS).
    const sub = indexShardOf(JSON.stringify(transactionKey(entities[0]) ?? null), COUNTER_SUB_ITEMS);
    const adds = [...items.values()].flatMap(({ counter, deltas }) => {
      const moved = new Map([...deltas].filter(([, delta]) => delta !== 0));
      const key = counter.spread ? counterSubItem(counter.key, sub) : counter.key;
      return moved.size > 0 ? [counterAdds(counter.table, key, moved)] : [];
    });
    if (entities.length > 0) transactions.push([...entities, ...adds]);
    entities = [];
    items = new Map();
  };
  for (const write of writes) {
    const newItems = new Set(write.counters.map((c) => itemId(c.counter)).filter((id) => !items.has(id))).size;
    if (entities.length + write.items.length + items.size + newItems > 100) flush();
    entities.push(...write.items);
    for (const { counter, delta } of write.counters) {
      const id = itemId(counter);
      const item = items.get(id) ?? { counter, deltas: new Map<string, number>() };
      item.deltas.set(counter.attribute, (item.deltas.get(counter.attribute) ?? 0) + delta);
      items.set(id, item);
    }
  }
  flush();
  return transactions;
}

/**
 * Writes every changed user and org, each stamped with its pre-image under `batchId` and with `batches` added to its
 * `applied` list; those that an earlier attempt of the batch already wrote, or that hold all of `batches` already
 * (`loaded.written…`), are skipped: their write, and the counter moves in its transaction, landed once. Returns the
 * version each written user now has.
 */
export async function writeEntities(
  store: Store,
  e: string,
  { batchId, batches }: { batchId: string; batches: readonly string[] },
  { state: loaded, writtenUsers, writtenOrgs, applied }: LoadedState,
  effects: BatchEffects,
  now: number,
): Promise<Map<string, number>> {
  const stampOf = (stored: unknown): Stamp => ({
    batchId,
    applied: batches.length > 0 ? withApplied(stored, batches) : undefined,
  });
  const userVersions = new Map<string, number>();
  const instants = { user: new Map<string, number[]>(), org: new Map<string, number[]>() };
  for (const { kind, id, at } of effects.activity) instants[kind].set(id, [...(instants[kind].get(id) ?? []), at]);
  const writes: (EntityWrite | undefined)[] = [];
  for (const [userId, state] of effects.state.users) {
    if (state.user && !writtenUsers.has(userId)) {
      const before = loaded.users.get(userId);
      const stamp = stampOf(applied.users.get(userId));
      const write = userWrite(store, e, stamp, before, state, instants.user.get(userId) ?? [], now);
      if (write) userVersions.set(userId, (before?.user?.version ?? 0) + 1);
      writes.push(write);
    }
  }
  for (const [orgId, org] of effects.state.orgs) {
    if (org && !writtenOrgs.has(orgId)) {
      const stamp = stampOf(applied.orgs.get(orgId));
      writes.push(orgWrite(store, e, stamp, loaded.orgs.get(orgId), org, instants.org.get(orgId) ?? []));
    }
  }
  const changed = writes.filter((w): w is EntityWrite => w !== undefined);
  // A write that moves no counter (and no profile) needs no transaction: its own condition on the version is
  // enough (1 unit, not 2).
  const alone = (w: EntityWrite) => w.counters.length === 0 && w.items.length === 1;
  await mapLimit(changed.filter(alone), ALONE_CONCURRENCY, (w) => writeAlone(store, w.items[0] as TransactItem));
  // Sequential: the transactions share counter items, and concurrent transactions on one item conflict.
  for (const TransactItems of packEntityWrites(changed.filter((w) => !alone(w)))) {
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
  return userVersions;
}

const ALONE_CONCURRENCY = 8;

/** The key a transaction item writes. */
const transactionKey = (item: TransactItem | undefined) =>
  item?.Put ? [item.Put.Item?.pk, item.Put.Item?.sk] : (item?.Update?.Key ?? item?.Delete?.Key);

/** One versioned Put or Update of an entity, as a plain conditional write. */
async function writeAlone(store: Store, item: TransactItem): Promise<void> {
  try {
    if (item.Put) await store.doc.send(new PutCommand(item.Put));
    else if (item.Update) await store.doc.send(new UpdateCommand(item.Update));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new VersionConflict();
    throw error;
  }
}
