import { batchGetAll, queryAll, queryCount, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { mergedQueryPages } from "../storage/indexShards.js";
import type { ActivitySetItem, OrgItem, UserItem } from "../storage/items.js";
import { GSI_BY_LAST_ACTIVE, keys } from "../storage/tableDesign.js";
import { dayOf, daysBetween, toUnixSeconds } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { type ActivitySlice, userActivityRows, userActivityTally } from "./activityParts.js";
import type { IdRange } from "./activityShards.js";
import { activeDays, REENGAGEMENT, returnedIn, returnedInAPeriod, tallyDay, WINDOW_DAYS } from "./activityTally.js";
import {
  CHURN_SHARD_ROWS,
  type ChurnKind,
  type ChurnShard,
  churnUpperBound,
  instantKey,
  shardKeyCondition,
} from "./churnShards.js";
import { existsAt, type Ranked, rank } from "./compute.js";
import { curvesPart } from "./curvesPart.js";
import { countKey, intervalMs, LOOKBACK_MS, type ReportName } from "./definitions.js";
import { lastActiveAsOf } from "./lastActiveAsOf.js";
import { listGather, listRows, listWhole } from "./listShards.js";
import { RankListWriter, type RankRow } from "./rankChunks.js";
import type { DayActivity, OrgData } from "./types.js";

/**
 * The parts of a refresh (see refreshRun.ts): each computes some report × intervals of one snapshot from the
 * stored aggregates and writes their rank lists (rankChunks.ts). The rankings are the ones of compute.ts (same
 * `rank`, `existsAt`, window rule), so the oracle property tests hold for both.
 *
 * | part            | lists written                           | reads                                                     | memory held                      |
 * |-----------------|-----------------------------------------|-----------------------------------------------------------|----------------------------------|
 * | `user_churn`    | user churn 7, 14, 30: one shard of each | GSI `byLastActive` `LA#U`, a range below T − 7 d, newest | one page + one tie group         |
 * |  (sharded)      |   (≤ 25,000 rows, churnShards.ts)       |   first; the page's user items, their orgs (BatchGet)     |   + the shard's orgs' names      |
 * |                 |                                         |   + the range above T and, for each, its last day member  |   + those active since T         |
 * |                 |                                         |   (GetItem): activity as of T (lastActiveAsOf.ts)          |                                  |
 * | `org_churn`     | org churn 7, 14, 30: one shard of each  | `LA#O` likewise; org items, one COUNT Query per org row   | one page + one tie group         |
 * |  (sharded)      |   (≤ 10,000 rows)                       |                                                           |                                  |
 * | `user_activity` | champion 30/60/90, reengagement W/M:    | tally (a range of ids, activityShards.ts): 90 day sets,   | ≈ 100 B per user of its range    |
 * |  (sharded in    |   tallies, then one slice of each list  |   the range's ids only; rows (a slice): the tallies'      |   (≤ 100,000); a slice: ≤ 30,000 |
 * |   two phases)   |   per rows part                         |   items of it, its users' items 1,000 at a time           |   entries a list                 |
 * | `user_invites`  | top inviter 30/60/90                    | gather (a range of days, listShards.ts): its days of the  | a gather: its range's records;   |
 * |  (sharded in    |                                         |   90 day invite logs; rows (a slice): every gather's      |   a slice: every record (≈ 50 B) |
 * |   two phases)   |                                         |   records, the slice's inviters' user items               |   + 1,000 users at a time        |
 * | `org_activity`  | org reengagement W/M                    | gather (a range of org ids): 60 day sets of active orgs,  | a gather: its range's orgs'      |
 * |  (likewise)     |                                         |   its ids only, candidates' org items; rows: the slice's  |   tallies; a slice: as above     |
 * |                 |                                         |   org items, member COUNTs                                |                                  |
 * | `org_changes`   | org growth 30/60/90, attrition 30/60/90 | gather (a range of days): membership-change logs; rows:   | as `user_invites`                |
 * |  (likewise)     |                                         |   the slice's org items, member COUNTs                    |                                  |
 * | `user_curves`   | one shard's partial tallies (1 item),   | `byLastActive` `LA#U`, one range from 13 months back      | one page + tallies (curvesPart.ts)|
 * |  (sharded)      |   merged into 8 items (curveShards.ts)  |   (≤ 50,000 users), calendars, deleted-user markers       |                                  |
 * | `org_curves`    | retention, lifecycle, stickiness (8)    | `LA#O` from 13 months back, calendars                     | one page + tallies               |
 *
 * Why: churn lists hold most users of a big tenant (the dormant ones) and are the `byLastActive` order itself, so
 * they are streamed in order and never held, and cut into shards so that no worker computes more than a budget; the other lists only hold the tenant's active or changing part. Rows
 * are complete as of T (descriptive fields included), so a page is served from its chunks alone. Every part is
 * idempotent: each delivery writes its own chunks (keyed by its attempt) and only the delivery that counts the part
 * is named by the pointer, so a duplicate computing from newer data never changes what is served.
 */

export const PART_NAMES = [
  "user_churn",
  "org_churn",
  "user_activity",
  "user_invites",
  "org_activity",
  "org_changes",
  "user_curves",
  "org_curves",
] as const;
export type PartName = (typeof PART_NAMES)[number];

export interface PartContext {
  store: Store;
  environmentId: string;
  reportId: string;
  /** This delivery of the part: its chunks are keyed by it, so a concurrent duplicate never writes over them. */
  attempt?: string;
  /** T in ms (whole seconds). */
  time: number;
  /** TTL of the written chunks (unix seconds). */
  expiresAt: number;
  /** A churn part's range (churnShards.ts); absent = the whole list. */
  shard?: ChurnShard;
  /** Rows a churn part computes before handing the rest on (default CHURN_SHARD_ROWS); tests' activity budgets too. */
  shardRows?: number;
  /** A user activity tally part's range of user ids (activityShards.ts); a list part's gather range (listShards.ts). */
  range?: IdRange;
  /** A user activity or list part's rows part: its slice, and the tallies (gathers) it merges. */
  slice?: ActivitySlice;
}

export interface PartResult {
  /** Row count per `report#interval`. */
  counts: Record<string, number>;
  itemsWritten: number;
  /** A churn (activity tally) part that reached its budget: the rest of its range, to be computed by a new part. */
  rest?: ChurnShard | IdRange;
  /**
   * Keys, beyond `counts`', under which the run records this delivery's attempt when it is counted (the curves:
   * items that are not rank lists, read through the attempt the pointer names).
   */
  attemptKeys?: string[];
  /** Users a user activity tally held (the bench's measure of its work; it writes no rows). */
  tallied?: number;
  /** Log or day-set items a list part's gather read (the bench's measure of its work; it writes no rows). */
  gathered?: number;
  /** Entities a part without rank lists folded (the curves): the size its cost grows with (the bench's rows). */
  folded?: number;
}

const PARALLEL_QUERIES = 16;
const CHURN_DAYS = ["7", "14", "30"] as const;

export function runPart(part: PartName, ctx: PartContext): Promise<PartResult> {
  switch (part) {
    case "user_churn":
      return churn(ctx, "user_report/churn", "U");
    case "org_churn":
      return churn(ctx, "org_report/churn", "O");
    case "user_activity":
      // Sharded in two phases (activityParts.ts); a job of neither kind is from a run planned before them.
      if (ctx.slice) return userActivityRows(ctx, ctx.slice);
      if (ctx.range) return userActivityTally(ctx, ctx.range);
      return userActivity(ctx);
    case "user_invites":
    case "org_activity":
    case "org_changes":
      // Sharded in two phases (listShards.ts); a job of neither kind is from a run planned before them.
      if (ctx.slice) return listRows(ctx, part, ctx.slice);
      if (ctx.range) return listGather(ctx, part, ctx.range);
      return listWhole(ctx, part);
    case "user_curves":
      return curvesPart(ctx, "users");
    case "org_curves":
      return curvesPart(ctx, "orgs");
  }
}

export function writer(ctx: PartContext, report: ReportName, interval: string, shard?: string): RankListWriter {
  return new RankListWriter(ctx.store, ctx.environmentId, ctx.reportId, report, interval, ctx.expiresAt, {
    shard,
    attempt: ctx.attempt,
  });
}

export async function finish(writers: RankListWriter[]): Promise<PartResult> {
  for (const w of writers) await w.flush(true);
  return {
    counts: Object.fromEntries(writers.map((w) => [countKey(w.report as ReportName, w.interval), w.count])),
    itemsWritten: writers.reduce((n, w) => n + w.itemsWritten, 0),
  };
}

/**
 * Members of an org at T: its `MEMBER#` items since ≤ T (a deleted user's memberships are removed; an ended one is
 * a tombstone for a day, lib/ingest/writeMemberships.ts).
 */
function numUsers(ctx: PartContext, orgId: string): Promise<number> {
  return queryCount(ctx.store, {
    TableName: ctx.store.tables.entities,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    FilterExpression: "since <= :t AND attribute_not_exists(removed)",
    ExpressionAttributeValues: {
      ":pk": keys.orgPk(ctx.environmentId, orgId),
      ":prefix": keys.orgMemberPrefix,
      ":t": ctx.time,
    },
  });
}

/** Orgs existing at T, each read once per part: names for `org_data`, org rows' fields. */
export class OrgDirectory {
  private readonly known = new Map<string, OrgItem | null>();
  constructor(private readonly ctx: PartContext) {}

  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.known.has(id));
    if (missing.length === 0) return;
    const items = await batchGetAll<OrgItem>(
      this.ctx.store,
      this.ctx.store.tables.entities,
      missing.map((id) => keys.org(this.ctx.environmentId, id)),
      { consistent: true },
    );
    for (const id of missing) this.known.set(id, null);
    for (const o of items) if (existsAt(o, this.ctx.time)) this.known.set(o.org_id, o);
  }

  get(id: string): OrgItem | undefined {
    return this.known.get(id) ?? undefined;
  }
}

/** A user's memberships that began by T (the orgs to load for its row). */
function orgIdsOf(users: Iterable<UserItem>, T: number): string[] {
  const ids: string[] = [];
  for (const u of users) for (const m of u.orgs ?? []) if (m.since <= T) ids.push(m.org_id);
  return ids;
}

function userRow(u: UserItem, orgs: OrgDirectory, T: number, extra?: Record<string, number>): RankRow {
  const orgData: OrgData[] = (u.orgs ?? [])
    .filter((m) => m.since <= T && orgs.get(m.org_id))
    .map((m) => ({ display_name: orgs.get(m.org_id)?.name ?? null, org_id: m.org_id, user_role: m.role ?? null }))
    .sort((a, b) => (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : 0));
  return {
    user_id: u.user_id,
    user_created_at: toUnixSeconds(u.created_at),
    username: u.username ?? null,
    first_name: u.first_name ?? null,
    last_name: u.last_name ?? null,
    email: u.email ?? null,
    last_active_at: toUnixSeconds(u.last_active_at),
    org_data: orgData,
    ...(extra ? { extra_properties: extra } : {}),
  };
}

export function orgRow(o: OrgItem, members: number, extra?: Record<string, number>): RankRow {
  return {
    org_id: o.org_id,
    name: o.name ?? null,
    num_users: members,
    org_created_at: toUnixSeconds(o.created_at),
    ...(extra ? { extra_properties: extra } : {}),
  };
}

/** The rows of the users `ids` existing at T (one BatchGet of them, one of their orgs not yet known). */
async function userRowsOf(ctx: PartContext, orgs: OrgDirectory, ids: string[]): Promise<Map<string, RankRow>> {
  const users = await userItems(ctx, ids);
  await orgs.load(orgIdsOf(users.values(), ctx.time));
  return new Map([...users].map(([id, u]) => [id, userRow(u, orgs, ctx.time)]));
}

/** The rows of the orgs `ids` existing at T, with their member counts. */
async function orgRowsOf(ctx: PartContext, orgs: OrgDirectory, ids: string[]): Promise<Map<string, RankRow>> {
  await orgs.load(ids);
  return orgRowsOfItems(
    ctx,
    ids.flatMap((id) => orgs.get(id) ?? []),
  );
}

/** The rows of orgs already read, with their member counts. */
async function orgRowsOfItems(ctx: PartContext, items: OrgItem[]): Promise<Map<string, RankRow>> {
  const counts = await mapLimit(items, PARALLEL_QUERIES, (o) => numUsers(ctx, o.org_id));
  return new Map(items.map((o, i) => [o.org_id, orgRow(o, counts[i] as number)]));
}

/** Length of an ISO instant (`2026-01-01T00:00:00.000Z`), the start of every `byLastActive` sort key. */
const ISO_LENGTH = 24;

/**
 * Churn N = existing users (orgs) whose last activity is before T − N days, latest first, ties by id. The index
 * holds exactly the listed (not deleted) users with their last activity, and last activity ≥ creation, so the
 * range below T − 7 d read newest first is the 7-day list, and the 14- and 30-day lists are its tails. The index
 * holds the *latest* activity, though: those active again after T are read apart (the index above T), placed by
 * their last activity as of T (lastActiveAsOf.ts) and merged in. One part computes one shard of that range
 * (churnShards.ts): it stops once it has `shardRows` rows and a tie group is complete, and returns where the rest
 * of its range begins.
 */
async function churn(ctx: PartContext, report: ReportName, kind: ChurnKind): Promise<PartResult> {
  const shard = ctx.shard ?? { to: churnUpperBound(ctx.time) };
  const budget = ctx.shardRows ?? CHURN_SHARD_ROWS[kind];
  const writers = CHURN_DAYS.map((n) => writer(ctx, report, n, shard.to));
  const limits = CHURN_DAYS.map((n) => ctx.time - intervalMs(n));
  const orgs = new OrgDirectory(ctx);
  let rows = 0;
  let ties: { id: string; at: number; row: RankRow }[] = [];
  const emit = () => {
    ties.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const t of ties)
      writers.forEach((w, j) => {
        if (t.at < (limits[j] as number)) w.add(t.row);
      });
    rows += ties.length;
    ties = [];
  };
  const range = shardKeyCondition(shard);
  // The index's shards merged into one newest-first order (indexShards.ts).
  const pages = mergedQueryPages<{ gsi2sk: string }>(
    ctx.store,
    {
      TableName: ctx.store.tables.entities,
      IndexName: GSI_BY_LAST_ACTIVE,
      KeyConditionExpression: range.condition,
      ExpressionAttributeValues: range.values,
      ProjectionExpression: "gsi2sk",
      ScanIndexForward: false,
    },
    keys.lastActiveIndexPks(ctx.environmentId, kind),
    "gsi2sk",
  );
  let split: string | undefined;
  /** Takes the next entry in list order; false once the budget is spent at a tie boundary (the rest is `split`'s). */
  const take = (e: { id: string; at: number; row: RankRow | undefined }): boolean => {
    const group = ties[0];
    if (group && group.at !== e.at) {
      emit();
      if (rows >= budget) {
        // Budget reached at a tie boundary: the rest of the range, [from, group's instant), is another part's.
        split = instantKey(group.at);
        return false;
      }
    }
    // No row: gone since the index was read (a deletion racing the refresh), not in the list.
    if (e.row) ties.push({ id: e.id, at: e.at, row: e.row });
    return true;
  };
  // Those active again since T whose last activity as of T falls in this shard: merged into the index's order.
  const late = await lateChurners(ctx, kind, shard, orgs);
  read: for await (const page of pages) {
    const entries = page.map(({ gsi2sk }) => ({
      at: Date.parse(gsi2sk.slice(0, ISO_LENGTH)),
      id: gsi2sk.slice(ISO_LENGTH + 1),
    }));
    const ids = entries.map((e) => e.id);
    const rowsById = kind === "U" ? await userRowsOf(ctx, orgs, ids) : await orgRowsOf(ctx, orgs, ids);
    for (const e of entries) {
      while (late[0] && late[0].at >= e.at) if (!take(late.shift() as LateChurner)) break read;
      if (!take({ ...e, row: rowsById.get(e.id) })) break read;
    }
    for (const w of writers) await w.flush();
  }
  if (split === undefined) for (const e of late) if (!take(e)) break;
  emit();
  const result = await finish(writers);
  return split === undefined ? result : { ...result, rest: { ...(shard.from ? { from: shard.from } : {}), to: split } };
}

interface LateChurner {
  id: string;
  /** Its last activity as of T. */
  at: number;
  row: RankRow | undefined;
}

/**
 * The users (orgs) whose latest activity is after T, so the index holds them outside the churn range, and the users
 * deleted after T, which it no longer holds, whose last activity as of T (lastActiveAsOf.ts) puts them in this
 * shard's range: newest first, ties by id. Few when T is the
 * refresh's start (activity since then, or up to 5 minutes ahead); all those active since when `refresh --now`
 * names an earlier instant.
 */
async function lateChurners(
  ctx: PartContext,
  kind: ChurnKind,
  shard: ChurnShard,
  orgs: OrgDirectory,
): Promise<LateChurner[]> {
  // And users deleted after T: they existed at T, but the index no longer holds them.
  const ids = [
    ...new Set([...(await activeAfter(ctx, kind, ctx.time)), ...(kind === "U" ? await deletedAfter(ctx) : [])]),
  ];
  const items: Map<string, UserItem | OrgItem> = kind === "U" ? await userItems(ctx, ids) : await orgItems(ctx, ids);
  const inShard = [...items.values()]
    .map((item) => ({ item, id: "user_id" in item ? item.user_id : item.org_id, at: item.last_active_at }))
    .filter(({ id, at }) => {
      const key = `${instantKey(at)}#${id}`;
      return key < shard.to && (shard.from === undefined || key >= shard.from);
    })
    .sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (kind === "O") {
    // Rows from the items just read (their last activity as of T already set): no second read of them.
    const rows = await orgRowsOfItems(
      ctx,
      inShard.map(({ item }) => item as OrgItem),
    );
    return inShard.map(({ id, at }) => ({ id, at, row: rows.get(id) }));
  }
  const users = inShard.map(({ item }) => item as UserItem);
  await orgs.load(orgIdsOf(users, ctx.time));
  return inShard.map(({ id, at, item }) => ({ id, at, row: userRow(item as UserItem, orgs, ctx.time) }));
}

/** The ids of the users deleted after T (their markers by deletion time, writeDeletionMarkers.ts). */
async function deletedAfter(ctx: PartContext): Promise<string[]> {
  const items = await queryAll<{ user_id: string }>(ctx.store, {
    TableName: ctx.store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk > :after",
    ExpressionAttributeValues: {
      ":pk": keys.deletedUsersByTimePk(ctx.environmentId),
      ":after": `${instantKey(ctx.time)}#\uffff`,
    },
    ProjectionExpression: "user_id",
  });
  return items.map((item) => item.user_id);
}

/** The ids of the users (orgs) whose latest activity is after `time`, from every shard of the index. */
async function activeAfter(ctx: PartContext, kind: ChurnKind, time: number): Promise<string[]> {
  const ids: string[] = [];
  const pages = mergedQueryPages<{ gsi2sk: string }>(
    ctx.store,
    {
      TableName: ctx.store.tables.entities,
      IndexName: GSI_BY_LAST_ACTIVE,
      // Every id of T's own millisecond sorts before `{ISO}#\uffff`: activity at T is as of T.
      KeyConditionExpression: "gsi2pk = :pk AND gsi2sk > :after",
      ExpressionAttributeValues: { ":after": `${instantKey(time)}#\uffff` },
      ProjectionExpression: "gsi2sk",
    },
    keys.lastActiveIndexPks(ctx.environmentId, kind),
    "gsi2sk",
  );
  for await (const page of pages) for (const { gsi2sk } of page) ids.push(gsi2sk.slice(ISO_LENGTH + 1));
  return ids;
}

export function lookbackDays(time: number, lookbackMs: number): string[] {
  return daysBetween(dayOf(time - lookbackMs), dayOf(time));
}

/** Streams the day sets of `metric` over `days`, one callback per item. */
async function forEachDayItem(
  ctx: PartContext,
  metric: "active_users" | "active_orgs",
  days: string[],
  each: (item: DayActivity) => void,
): Promise<void> {
  await mapLimit(days, PARALLEL_QUERIES, async (day) => {
    const pages = queryPages<ActivitySetItem & { sk: string }>(ctx.store, {
      TableName: ctx.store.tables.activity,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.activitySetPk(ctx.environmentId, metric, "day", day) },
      // Not the clock-hour bounds users' members also hold (the dashboard's): fewer bytes over the wire.
      ProjectionExpression: "sk, min_at, max_at",
    });
    for await (const page of pages) for (const i of page) each({ id: i.sk, day, min_at: i.min_at, max_at: i.max_at });
  });
}

export async function forEachLogItem<T>(
  ctx: PartContext,
  days: string[],
  pkOf: (day: string) => string,
  each: (item: T) => void,
) {
  await mapLimit(days, PARALLEL_QUERIES, async (day) => {
    const pages = queryPages<T>(ctx.store, {
      TableName: ctx.store.tables.activity,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pkOf(day) },
    });
    for await (const page of pages) for (const i of page) each(i);
  });
}

const USER_ROW_ATTRIBUTES = [
  "user_id",
  "username",
  "email",
  "first_name",
  "last_name",
  "created_at",
  "deleted_at",
  "first_active_at",
  "last_active_at",
  "orgs",
  // The calendar, for the last activity as of T of users active again since (lastActiveAsOf.ts).
  "active_days",
] as const;

export async function userItems(ctx: PartContext, ids: string[]): Promise<Map<string, UserItem>> {
  const items = await batchGetAll<UserItem>(
    ctx.store,
    ctx.store.tables.entities,
    ids.map((id) => keys.user(ctx.environmentId, id)),
    // What a row needs: not the free-form `profile` or sign-up parameters, which may be large.
    { consistent: true, attributes: USER_ROW_ATTRIBUTES },
  );
  const existing = items.filter((u) => existsAt(u, ctx.time));
  await lastActiveAsOf(ctx, "U", existing);
  return new Map(existing.map((u) => [u.user_id, u]));
}

export async function orgItems(ctx: PartContext, ids: string[]): Promise<Map<string, OrgItem>> {
  const items = await batchGetAll<OrgItem>(
    ctx.store,
    ctx.store.tables.entities,
    ids.map((id) => keys.org(ctx.environmentId, id)),
    { consistent: true },
  );
  const existing = items.filter((o) => existsAt(o, ctx.time));
  await lastActiveAsOf(ctx, "O", existing);
  return new Map(existing.map((o) => [o.org_id, o]));
}

export async function memberCounts(ctx: PartContext, ids: Iterable<string>): Promise<Map<string, number>> {
  const list = [...ids];
  const counts = await mapLimit(list, PARALLEL_QUERIES, (id) => numUsers(ctx, id));
  return new Map(list.map((id, i) => [id, counts[i] as number]));
}

/** The users or orgs active in the look-back at T, with their packed tallies (activityTally.ts). */
async function tallies(
  ctx: PartContext,
  metric: "active_users" | "active_orgs",
  lookbackMs: number,
  withDays: boolean,
) {
  const byId = new Map<string, number>();
  await forEachDayItem(ctx, metric, lookbackDays(ctx.time, lookbackMs), (item) =>
    byId.set(item.id, tallyDay(byId.get(item.id) ?? 0, item, ctx.time, withDays)),
  );
  return byId;
}

/** Users whose rows a step of the streamed writing builds: 10 BatchGets of 100. */
export const USERS_PER_STEP = 1000;

/**
 * Ranks user ids (compute.ts `rank`) and writes their rows without holding them: a step of users' items is read,
 * their rows added, the next step read. A user not existing at T has no row; the others keep their relative order.
 */
export async function writeUserRows(
  ctx: PartContext,
  orgs: OrgDirectory,
  w: RankListWriter,
  entries: Ranked<string>[],
): Promise<void> {
  const ranked = rank(entries, (id) => id);
  for (let i = 0; i < ranked.length; i += USERS_PER_STEP) {
    const step = ranked.slice(i, i + USERS_PER_STEP);
    const users = await userItems(
      ctx,
      step.map((r) => r.subject),
    );
    await orgs.load(orgIdsOf(users.values(), ctx.time));
    for (const r of step) {
      const u = users.get(r.subject);
      if (u) w.add(userRow(u, orgs, ctx.time, r.extra));
    }
    await w.flush();
  }
  await w.flush(true);
}

/**
 * Champions and reengaged users (reengagement over period p: active in [T − p, T), not in [T − 2p, T − p), first
 * active before T − 2p). Holds the look-back's active users as ids with a packed tally (≈ 100 B each) and the
 * reengagement candidates' two instants; rows are built while written (writeUserRows), a step at a time.
 */
async function userActivity(ctx: PartContext): Promise<PartResult> {
  const T = ctx.time;
  const active = await tallies(ctx, "active_users", LOOKBACK_MS, true);
  const lists: { w: RankListWriter; entries: Ranked<string>[] }[] = [];
  for (const [i, n] of WINDOW_DAYS.entries()) {
    const entries: Ranked<string>[] = [];
    for (const [id, tally] of active) {
      const days = activeDays(tally, i);
      if (days > 0) entries.push({ subject: id, score: [days], extra: { num_active_days: days } });
    }
    lists.push({ w: writer(ctx, "user_report/champion", n), entries });
  }
  // Reengagement candidates (returned in a period) are few; their first and last activity decide and rank them.
  const candidates = returnedInAPeriod(active);
  const instants = new Map<string, { first: number; last: number }>();
  for (let i = 0; i < candidates.length; i += USERS_PER_STEP)
    for (const u of (await userItems(ctx, candidates.slice(i, i + USERS_PER_STEP))).values())
      instants.set(u.user_id, { first: u.first_active_at, last: u.last_active_at });
  for (const [i, p] of REENGAGEMENT.entries()) {
    const n = intervalMs(p);
    const entries: Ranked<string>[] = [];
    for (const [id, at] of instants)
      if (returnedIn(active.get(id) as number, i) && at.first < T - 2 * n)
        entries.push({ subject: id, score: [at.last] });
    lists.push({ w: writer(ctx, "user_report/reengagement", p), entries });
  }
  // The five lists are written side by side: the part's time is its reads' latency, not their sum.
  const orgs = new OrgDirectory(ctx);
  await Promise.all(lists.map(({ w, entries }) => writeUserRows(ctx, orgs, w, entries)));
  return finish(lists.map((l) => l.w));
}
