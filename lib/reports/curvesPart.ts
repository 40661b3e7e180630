import { activeDayStarts, hasDay } from "../ingest/activeDays.js";
import { batchGetAll, batchPutAll, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { mergedQueryPages } from "../storage/indexShards.js";
import type { ActivitySetItem } from "../storage/items.js";
import { GSI_BY_LAST_ACTIVE, keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { DAY_MS, dayOf, dayStart, startOfDay } from "../time.js";
import type { ChurnShard } from "./churnShards.js";
import {
  CURVE_SHARD_ROWS,
  type CurveShard,
  curveShardAttemptKey,
  wholeCurveRange,
  writeShardTallies,
} from "./curveShards.js";
import { type CurveEntity, type CurveSubject, CurvesAccumulator, curvesLookbackStart } from "./curves.js";
import type { PartResult } from "./refreshParts.js";
import type { DayActivity } from "./types.js";

/**
 * The refresh parts `user_curves` and `org_curves`: retention, lifecycle and stickiness of one snapshot (curves.ts),
 * written as one item per (entity, route, cadence or interval) — 8 items a part, whatever the tenant. A big
 * tenant's user curves are computed in shards (curveShards.ts): a shard folds one range of the index into partial
 * tallies (1 item), merged into the 8 items when the run completes.
 *
 * | reads                                                                   | memory held                         |
 * |-------------------------------------------------------------------------|-------------------------------------|
 * | GSI `byLastActive` in the range (whole: from the look-back, 13 months,  | one page of items + the tallies     |
 * |   on), keys only; their items' calendars (BatchGet: created_at,         |   (≤ 30 × 30 numbers per cadence)   |
 * |   deleted_at, active_days)                                              |                                     |
 * | the day-set items of the page's entities active on an edge day (T's day | one page's                          |
 * |   and the first days of the 7 / 30-day windows), by key (BatchGet)      |                                     |
 * | users: the deleted-user markers in the range, their items               |                                     |
 *
 * Why: every entity that can count in a bucket was created or active in the look-back, so its last activity is in
 * it: the index range holds every listed one, the markers every deleted one (a deleted user counts in history). The
 * calendars give the active days; only a bucket or window edge inside a day needs the day's instants, which the day
 * sets keep — read for the entities whose calendar has that day, so a shard reads only its own entities' (not 3
 * whole day sets each). Entities are streamed a page at a time and folded into sums, so nothing grows with the tenant
 * or the shard but time.
 */
const ENTITY_ATTRIBUTES = {
  users: ["user_id", "created_at", "deleted_at", "active_days"],
  orgs: ["org_id", "created_at", "active_days"],
} as const;

interface CalendarItem {
  user_id?: string;
  org_id?: string;
  created_at: number;
  deleted_at?: number;
  active_days?: Record<string, string>;
}

export interface CurvesContext {
  store: Store;
  environmentId: string;
  reportId: string;
  time: number;
  expiresAt: number;
  /** This delivery's attempt (refreshRun.ts): its items' keys, so a concurrent duplicate never overwrites them. */
  attempt?: string;
  /** A user curve shard's range (curveShards.ts): its partial tallies are written, not the curve items. */
  shard?: ChurnShard;
}

/** The run's and pointer's key for the attempt whose curve items of `entity` a snapshot serves. */
export const curvesAttemptKey = (entity: CurveEntity): string => `curves#${entity}`;

/** The days whose first / last instants decide something: T's day and each stickiness window's first day. */
function edgeDays(T: number): string[] {
  return [...new Set([dayOf(T), dayOf(T - 7 * DAY_MS), dayOf(T - 30 * DAY_MS)])];
}

/** The edge-day items of the entities whose calendar has that day (a day set's member, by key), by id. */
async function edgeDayItems(
  ctx: CurvesContext,
  entity: CurveEntity,
  items: readonly CalendarItem[],
  edges: readonly string[],
): Promise<Map<string, DayActivity[]>> {
  const metric = entity === "users" ? "active_users" : "active_orgs";
  const wanted: Record<string, string>[] = [];
  for (const item of items)
    for (const day of edges)
      if (hasDay(item.active_days, dayStart(day)))
        wanted.push(keys.activitySet(ctx.environmentId, metric, "day", day, idOf(item)));
  const got = await batchGetAll<ActivitySetItem & { pk: string; sk: string }>(
    ctx.store,
    ctx.store.tables.activity,
    wanted,
    { consistent: true, attributes: ["pk", "sk", "min_at", "max_at"] },
  );
  const byId = new Map<string, DayActivity[]>();
  for (const i of got) {
    // The day is the partition's last segment (`…#day#{day}`).
    const day = i.pk.slice(i.pk.lastIndexOf("#") + 1);
    const list = byId.get(i.sk) ?? [];
    list.push({ id: i.sk, day, min_at: i.min_at, max_at: i.max_at });
    byId.set(i.sk, list);
  }
  return byId;
}

const idOf = (item: CalendarItem): string => (item.user_id ?? item.org_id) as string;

/** An entity's active days in [from, T's day]: whole days from its calendar, edge days from their day sets. */
export function subjectOf(
  item: CalendarItem,
  from: number,
  T: number,
  edges: ReadonlySet<string>,
  edgeItems: readonly DayActivity[] | undefined,
): CurveSubject {
  const days = new Map<string, { day: string; min_at: number; max_at: number }>();
  for (const start of activeDayStarts(item.active_days, from, startOfDay(T) + DAY_MS)) {
    const day = dayOf(start);
    // An edge day counts only by its instants (activity after T or before a window's start must not count).
    if (!edges.has(day)) days.set(day, { day, min_at: start, max_at: start + DAY_MS - 1 });
  }
  for (const e of edgeItems ?? []) days.set(e.day, { day: e.day, min_at: e.min_at, max_at: e.max_at });
  return {
    createdAt: item.created_at,
    ...(item.deleted_at === undefined ? {} : { deletedAt: item.deleted_at }),
    days: [...days.values()],
  };
}

/**
 * Ids whose key is in [from, to) of `pk`, newest first: the index's `gsi2sk` or the markers' `sk`, both
 * `{ISO}#{id}`, with each page's last (oldest) key. BETWEEN is inclusive; `to` is a bare instant, OPEN_END or the
 * key where a shard handed its rest on (that shard folded it): excluded.
 */
async function* idPages(
  ctx: CurvesContext,
  input: { index?: string; pks: string[]; range: Required<ChurnShard>; pageSize?: number },
) {
  const [pkName, skName] = input.index ? ["gsi2pk", "gsi2sk"] : ["pk", "sk"];
  const query = {
    TableName: input.index ? ctx.store.tables.entities : ctx.store.tables.activity,
    ...(input.index ? { IndexName: input.index } : {}),
    KeyConditionExpression: `${pkName} = :pk AND ${skName} BETWEEN :from AND :to`,
    ExpressionAttributeValues: { ":from": input.range.from, ":to": input.range.to },
    ProjectionExpression: skName,
    ScanIndexForward: false,
    ...(input.pageSize ? { Limit: input.pageSize } : {}),
  };
  // The index's shards merged into one newest-first order (indexShards.ts).
  const pages = mergedQueryPages<Record<string, string>>(ctx.store, query, input.pks, skName as string);
  const ISO_LENGTH = 24;
  for await (const page of pages) {
    const sks = page.map((i) => i[skName as string] as string);
    const ids = sks.filter((sk) => sk !== input.range.to).map((sk) => sk.slice(ISO_LENGTH + 1));
    yield { ids, last: sks.at(-1) };
  }
}

/** Keys a shard reads per index page: its budget is checked between pages. */
const SHARD_PAGE = 1000;

/**
 * The sums of the entities in `range` (the whole look-back, or a user curve shard's), and where the range's rest
 * begins when `budget` entities were folded before its end: [range.from, split) is then another part's, and this
 * one's deleted-user markers are those of [split, range.to) only.
 */
async function foldRange(ctx: CurvesContext, entity: CurveEntity, range: Required<ChurnShard>, budget?: number) {
  const T = ctx.time;
  const from = curvesLookbackStart(T);
  const edgeList = edgeDays(T);
  const edges = new Set(edgeList);
  const acc = new CurvesAccumulator(entity, T);
  const fold = async (ids: string[], keep: (item: CalendarItem) => boolean) => {
    const items = (
      await batchGetAll<CalendarItem>(
        ctx.store,
        ctx.store.tables.entities,
        ids.map((id) => (entity === "users" ? keys.user(ctx.environmentId, id) : keys.org(ctx.environmentId, id))),
        { consistent: true, attributes: ENTITY_ATTRIBUTES[entity] },
      )
    ).filter(keep);
    const edgeItems = await edgeDayItems(ctx, entity, items, edgeList);
    for (const item of items) acc.add(subjectOf(item, from, T, edges, edgeItems.get(idOf(item))));
  };
  const kind = entity === "users" ? "U" : "O";
  const listed = idPages(ctx, {
    index: GSI_BY_LAST_ACTIVE,
    pks: keys.lastActiveIndexPks(ctx.environmentId, kind),
    range,
    ...(budget === undefined ? {} : { pageSize: Math.max(1, Math.min(SHARD_PAGE, budget)) }),
  });
  let folded: string | undefined; // the oldest key folded so far
  let seen = 0;
  let rest: string | undefined;
  // Listed entities from the index; a user deleted since the index was read is found by its marker (read after).
  for await (const { ids, last } of listed) {
    // Budget reached with more keys to read: the older ones, [range.from, folded), are another part's.
    if (budget !== undefined && seen >= Math.max(1, budget) && last !== undefined && folded !== undefined) {
      rest = folded;
      break;
    }
    await fold(ids, (i) => i.deleted_at === undefined);
    seen += ids.length;
    folded = last ?? folded;
  }
  if (entity === "users") {
    const mine = rest === undefined ? range : { from: rest, to: range.to };
    const deleted = idPages(ctx, { pks: [keys.deletedUsersPk(ctx.environmentId)], range: mine });
    for await (const { ids } of deleted) await fold(ids, (i) => i.deleted_at !== undefined);
  }
  return { acc, rest };
}

/**
 * Retention, lifecycle and stickiness of users or orgs at T, written under the snapshot; a user curve shard's
 * partial tallies instead, which the run merges once every shard is counted (curveShards.ts).
 */
export async function curvesPart(ctx: CurvesContext, entity: CurveEntity): Promise<PartResult> {
  const shard = ctx.shard as CurveShard | undefined;
  if (shard) {
    const from = shard.from ?? wholeCurveRange(ctx.time).from;
    const budget = shard.budget ?? CURVE_SHARD_ROWS;
    const { acc, rest } = await foldRange(ctx, entity, { from, to: shard.to }, budget);
    // Folded up to `rest`: this shard's tallies are of [rest, to); [from, rest) is handed on, with the same budget.
    const mine = rest === undefined ? shard : { ...shard, from: rest };
    await writeShardTallies(ctx.store, ctx, entity, mine, acc.tallies());
    return {
      counts: {},
      itemsWritten: 1,
      attemptKeys: [curveShardAttemptKey(entity, mine)],
      folded: acc.folded,
      ...(rest === undefined ? {} : { rest: { ...shard, from, to: rest } }),
    };
  }
  const { acc } = await foldRange(ctx, entity, wholeCurveRange(ctx.time));
  const items = [...acc.bodies()].map(([name, body]) => ({
    ...keys.curve(ctx.environmentId, ctx.reportId, entity, name, ctx.attempt),
    body: JSON.stringify(body),
    [REPORT_TTL_ATTRIBUTE]: ctx.expiresAt,
  }));
  await batchPutAll(ctx.store, ctx.store.tables.reports, items);
  return { counts: {}, itemsWritten: items.length, attemptKeys: [curvesAttemptKey(entity)], folded: acc.folded };
}
