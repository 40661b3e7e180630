import { activeDayStarts } from "../ingest/activeDays.js";
import { batchGetAll, batchPutAll, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { ActivitySetItem } from "../storage/items.js";
import { GSI_BY_LAST_ACTIVE, keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { DAY_MS, dayOf, startOfDay } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { type CurveEntity, type CurveSubject, CurvesAccumulator, curvesLookbackStart } from "./curves.js";
import type { DayActivity } from "./types.js";

/**
 * The refresh parts `user_curves` and `org_curves`: retention, lifecycle and stickiness of one snapshot (curves.ts),
 * written as one item per (entity, route, cadence or interval) — 8 items a part, whatever the tenant.
 *
 * | reads                                                                   | memory held                         |
 * |-------------------------------------------------------------------------|-------------------------------------|
 * | the day sets of 3 days: T's day and the first days of the 7 / 30-day    | ≈ 3 × daily active ids, min/max     |
 * |   windows (the only days whose instants matter, see curves.ts)          |                                     |
 * | GSI `byLastActive` from the look-back (13 months) on, keys only; their  | one page of items + the tallies     |
 * |   items' calendars (BatchGet: created_at, deleted_at, active_days)      |   (≤ 30 × 30 numbers per cadence)   |
 * | users: the deleted-user markers from the look-back on, their items      |                                     |
 *
 * Why: every entity that can count in a bucket was created or active in the look-back, so its last activity is in it:
 * the index range holds every listed one, the markers every deleted one (a deleted user counts in history). The
 * calendars give the active days; only a bucket or window edge inside a day needs the day's instants, which the day
 * sets keep. Entities are streamed a page at a time and folded into sums, so nothing grows with the tenant but time.
 */

const PARALLEL = 8;
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
}

/** The run's and pointer's key for the attempt whose curve items of `entity` a snapshot serves. */
export const curvesAttemptKey = (entity: CurveEntity): string => `curves#${entity}`;

/** The days whose first / last instants decide something: T's day and each stickiness window's first day. */
function edgeDays(T: number): string[] {
  return [...new Set([dayOf(T), dayOf(T - 7 * DAY_MS), dayOf(T - 30 * DAY_MS)])];
}

async function edgeDayItems(ctx: CurvesContext, entity: CurveEntity): Promise<Map<string, DayActivity[]>> {
  const byId = new Map<string, DayActivity[]>();
  const metric = entity === "users" ? "active_users" : "active_orgs";
  await mapLimit(edgeDays(ctx.time), PARALLEL, async (day) => {
    const pages = queryPages<ActivitySetItem & { sk: string }>(ctx.store, {
      TableName: ctx.store.tables.activity,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.activitySetPk(ctx.environmentId, metric, "day", day) },
    });
    for await (const page of pages)
      for (const i of page) {
        const list = byId.get(i.sk) ?? [];
        list.push({ id: i.sk, day, min_at: i.min_at, max_at: i.max_at });
        byId.set(i.sk, list);
      }
  });
  return byId;
}

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

/** Ids in `pk` from `fromKey` on: the index's `gsi2sk` or the markers' `sk`, both `{ISO}#{id}`. */
async function* idPages(ctx: CurvesContext, input: { index?: string; pk: string; from: string }) {
  const [pkName, skName] = input.index ? ["gsi2pk", "gsi2sk"] : ["pk", "sk"];
  const pages = queryPages<Record<string, string>>(ctx.store, {
    TableName: input.index ? ctx.store.tables.entities : ctx.store.tables.activity,
    ...(input.index ? { IndexName: input.index } : {}),
    KeyConditionExpression: `${pkName} = :pk AND ${skName} >= :from`,
    ExpressionAttributeValues: { ":pk": input.pk, ":from": input.from },
    ProjectionExpression: skName,
  });
  const ISO_LENGTH = 24;
  for await (const page of pages) yield page.map((i) => (i[skName as string] as string).slice(ISO_LENGTH + 1));
}

/** Retention, lifecycle and stickiness of users or orgs at T, written under the snapshot. */
export async function curvesPart(
  ctx: CurvesContext,
  entity: CurveEntity,
): Promise<{ counts: Record<string, number>; itemsWritten: number; attemptKeys: string[] }> {
  const T = ctx.time;
  const from = curvesLookbackStart(T);
  const edges = new Set(edgeDays(T));
  const edgeItems = await edgeDayItems(ctx, entity);
  const acc = new CurvesAccumulator(entity, T);
  const fromKey = new Date(from).toISOString();
  const fold = async (ids: string[], keep: (item: CalendarItem) => boolean) => {
    const items = await batchGetAll<CalendarItem>(
      ctx.store,
      ctx.store.tables.entities,
      ids.map((id) => (entity === "users" ? keys.user(ctx.environmentId, id) : keys.org(ctx.environmentId, id))),
      { consistent: true, attributes: ENTITY_ATTRIBUTES[entity] },
    );
    for (const item of items) {
      if (!keep(item)) continue;
      const id = (entity === "users" ? item.user_id : item.org_id) as string;
      acc.add(subjectOf(item, from, T, edges, edgeItems.get(id)));
    }
  };
  const kind = entity === "users" ? "U" : "O";
  const listed = idPages(ctx, {
    index: GSI_BY_LAST_ACTIVE,
    pk: keys.lastActiveIndexPk(ctx.environmentId, kind),
    from: fromKey,
  });
  // Listed entities from the index; a user deleted since the index was read is found by its marker (read after).
  for await (const ids of listed) await fold(ids, (i) => i.deleted_at === undefined);
  if (entity === "users") {
    const deleted = idPages(ctx, { pk: keys.deletedUsersPk(ctx.environmentId), from: fromKey });
    for await (const ids of deleted) await fold(ids, (i) => i.deleted_at !== undefined);
  }
  const items = [...acc.bodies()].map(([name, body]) => ({
    ...keys.curve(ctx.environmentId, ctx.reportId, entity, name, ctx.attempt),
    body: JSON.stringify(body),
    [REPORT_TTL_ATTRIBUTE]: ctx.expiresAt,
  }));
  await batchPutAll(ctx.store, ctx.store.tables.reports, items);
  return { counts: {}, itemsWritten: items.length, attemptKeys: [curvesAttemptKey(entity)] };
}
