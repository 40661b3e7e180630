import { queryPages } from "../storage/batch.js";
import type { ActivitySetItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import { ACTIVITY_TALLY_USERS, compareIds, type IdRange, sliceSegment } from "./activityShards.js";
import { readSlice, readTallyIndexes, sliceBounds, type TallyEntry, writeTally } from "./activityTallies.js";
import { activeDays, REENGAGEMENT, returnedIn, returnedInAPeriod, tallyDay, WINDOW_DAYS } from "./activityTally.js";
import type { Ranked } from "./compute.js";
import { countKey, intervalMs, LOOKBACK_MS, type ReportName } from "./definitions.js";
import {
  finish,
  lookbackDays,
  OrgDirectory,
  type PartContext,
  type PartResult,
  USERS_PER_STEP,
  userItems,
  writer,
  writeUserRows,
} from "./refreshParts.js";

/**
 * The two phases of the sharded user activity part (activityShards.ts says why): a tally part reads its range of
 * user ids from the look-back's day sets and writes each list's entries sorted (activityTallies.ts); a rows part
 * merges one slice of every list from all the counted tallies and writes its rows.
 */

/** The five activity lists, in the order the tallies and the rows parts handle them. */
const LISTS: { report: ReportName; interval: string; champion: boolean }[] = [
  ...WINDOW_DAYS.map((interval) => ({ report: "user_report/champion" as const, interval, champion: true })),
  ...REENGAGEMENT.map((interval) => ({ report: "user_report/reengagement" as const, interval, champion: false })),
];

/** Day items per page: the ids read past the complete ones are at most this many per day. */
const DAY_PAGE_ITEMS = 1000;
const PARALLEL_QUERIES = 16;

interface DayStream {
  day: string;
  pages: AsyncIterator<(ActivitySetItem & { sk: string })[]>;
  /** The last id read (DynamoDB's order); every id of this day up to it has been read. */
  last?: string;
  done: boolean;
}

/** The day-set key condition of an id range (sk = user id); BETWEEN includes `to`, whose items are skipped. */
export function rangeCondition(range: IdRange): { condition: string; values: Record<string, string> } {
  if (range.from !== undefined && range.to !== undefined)
    return { condition: "pk = :pk AND sk BETWEEN :from AND :to", values: { ":from": range.from, ":to": range.to } };
  if (range.from !== undefined) return { condition: "pk = :pk AND sk >= :from", values: { ":from": range.from } };
  if (range.to !== undefined) return { condition: "pk = :pk AND sk < :to", values: { ":to": range.to } };
  return { condition: "pk = :pk", values: {} };
}

/**
 * The packed tallies (activityTally.ts) of the users of `range` active in the look-back, at most `budget` of them:
 * the days are read side by side in id order, the furthest-behind first, so the ids up to the slowest day's last
 * one are complete. Once more than `budget` ids are complete, those from the (budget + 1)-th on are dropped and
 * returned as the rest of the range, for another part.
 */
export async function tallyRange(
  ctx: PartContext,
  range: IdRange,
  budget: number,
): Promise<{ tallies: Map<string, number>; rest?: IdRange }> {
  const T = ctx.time;
  const tallies = new Map<string, number>();
  const { condition, values } = rangeCondition(range);
  const streams: DayStream[] = lookbackDays(T, LOOKBACK_MS).map((day) => ({
    day,
    pages: queryPages<ActivitySetItem & { sk: string }>(ctx.store, {
      TableName: ctx.store.tables.activity,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: {
        ":pk": keys.activitySetPk(ctx.environmentId, "active_users", "day", day),
        ...values,
      },
      ProjectionExpression: "sk, min_at, max_at",
      Limit: DAY_PAGE_ITEMS,
    })[Symbol.asyncIterator](),
    done: false,
  }));
  const pull = async (s: DayStream) => {
    const next = await s.pages.next();
    if (next.done) {
      s.done = true;
      return;
    }
    for (const item of next.value) {
      if (item.sk !== range.to)
        tallies.set(
          item.sk,
          tallyDay(
            tallies.get(item.sk) ?? 0,
            { id: item.sk, day: s.day, min_at: item.min_at, max_at: item.max_at },
            T,
            true,
          ),
        );
      s.last = item.sk;
    }
  };
  await mapLimit(streams, PARALLEL_QUERIES, pull);
  for (;;) {
    const pending = streams.filter((s) => !s.done);
    if (tallies.size > budget) {
      // Complete: every id up to the slowest pending day's last one (all of them once every day is read).
      const behind = pending.some((s) => s.last === undefined);
      const frontier = pending.reduce<string | undefined>(
        (min, s) => (s.last !== undefined && (min === undefined || compareIds(s.last, min) < 0) ? s.last : min),
        undefined,
      );
      const complete = behind
        ? []
        : [...tallies.keys()].filter((id) => frontier === undefined || compareIds(id, frontier) <= 0);
      if (complete.length > budget) {
        complete.sort(compareIds);
        const cut = complete[budget] as string;
        for (const id of [...tallies.keys()]) if (compareIds(id, cut) >= 0) tallies.delete(id);
        for (const s of pending) await s.pages.return?.();
        return { tallies, rest: { from: cut, ...(range.to === undefined ? {} : { to: range.to }) } };
      }
    }
    if (pending.length === 0) return { tallies };
    // The days furthest behind in id order (not yet started first).
    pending.sort((a, b) =>
      a.last === undefined ? -1 : b.last === undefined ? 1 : compareIds(a.last as string, b.last as string),
    );
    await Promise.all(pending.slice(0, PARALLEL_QUERIES).map(pull));
  }
}

/**
 * Tally part: the activity of the users of one id range, as each list's entries in rank order. Reengagement
 * candidates' first and last activity come from their items (those not existing at T drop out, as unsharded).
 */
export async function userActivityTally(ctx: PartContext, range: IdRange): Promise<PartResult> {
  const T = ctx.time;
  if (ctx.attempt === undefined) throw new Error("a user activity tally needs an attempt id");
  const { tallies, rest } = await tallyRange(ctx, range, ctx.shardRows ?? ACTIVITY_TALLY_USERS);
  const entries: TallyEntry[][] = LISTS.map(() => []);
  for (const [id, tally] of tallies)
    WINDOW_DAYS.forEach((_, i) => {
      const days = activeDays(tally, i);
      if (days > 0) (entries[i] as TallyEntry[]).push([days, id]);
    });
  const tallied = tallies.size;
  const candidates = returnedInAPeriod(tallies);
  for (let i = 0; i < candidates.length; i += USERS_PER_STEP)
    for (const u of (await userItems(ctx, candidates.slice(i, i + USERS_PER_STEP))).values())
      REENGAGEMENT.forEach((p, j) => {
        if (returnedIn(tallies.get(u.user_id) as number, j) && u.first_active_at < T - 2 * intervalMs(p))
          (entries[WINDOW_DAYS.length + j] as TallyEntry[]).push([u.last_active_at, u.user_id]);
      });
  tallies.clear();
  const at = { store: ctx.store, environmentId: ctx.environmentId, reportId: ctx.reportId };
  const attempt = ctx.attempt;
  const perItem = ctx.shardRows === undefined ? undefined : Math.max(1, ctx.shardRows);
  const written = await Promise.all(
    LISTS.map((l, i) =>
      writeTally(at, countKey(l.report, l.interval), attempt, entries[i] as TallyEntry[], ctx.expiresAt, perItem),
    ),
  );
  return { counts: {}, itemsWritten: written.reduce((n, w) => n + w, 0), tallied, ...(rest ? { rest } : {}) };
}

/** Which slice a rows part writes, and the counted tallies (their attempts) it merges. */
export interface ActivitySlice {
  index: number;
  of: number;
  tallies: readonly string[];
}

/** Rows part: slice `index` of every activity list, merged from every tally, written as its own segment. */
export async function userActivityRows(ctx: PartContext, slice: ActivitySlice): Promise<PartResult> {
  const at = { store: ctx.store, environmentId: ctx.environmentId, reportId: ctx.reportId };
  const orgs = new OrgDirectory(ctx);
  const writers = await Promise.all(
    LISTS.map(async ({ report, interval, champion }) => {
      const list = countKey(report, interval);
      const indexes = await readTallyIndexes(at, list, slice.tallies);
      const bounds = sliceBounds(indexes, slice.of);
      const entries = await readSlice(
        at,
        list,
        slice.tallies,
        indexes,
        bounds[slice.index] ?? "end",
        bounds[slice.index + 1] ?? "end",
      );
      const ranked = entries.map(
        ([score, id]): Ranked<string> => ({
          subject: id,
          score: [score],
          ...(champion ? { extra: { num_active_days: score } } : {}),
        }),
      );
      const w = writer(ctx, report, interval, sliceSegment(slice.index));
      await writeUserRows(ctx, orgs, w, ranked);
      return w;
    }),
  );
  return finish(writers);
}
