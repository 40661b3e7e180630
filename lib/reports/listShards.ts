import { batchPutAll, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { ActivitySetItem, InviteItem, MemberChangeItem } from "../storage/items.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import { rangeCondition } from "./activityParts.js";
import { type IdRange, rangesOf, sampleIds, sliceSegment } from "./activityShards.js";
import { REENGAGEMENT, returnedIn, returnedInAPeriod, tallyDay, WINDOW_DAYS } from "./activityTally.js";
import { type Ranked, rank } from "./compute.js";
import { intervalMs, LOOKBACK_MS, type ReportName } from "./definitions.js";
import { currentUsers } from "./orgChurnPlan.js";
import type { RankListWriter } from "./rankChunks.js";
import {
  finish,
  forEachLogItem,
  lookbackDays,
  memberCounts,
  OrgDirectory,
  orgItems,
  orgRow,
  type PartContext,
  type PartResult,
  USERS_PER_STEP,
  writer,
  writeUserRows,
} from "./refreshParts.js";

/**
 * The list parts that hold a tenant's active or changing part — top inviters (`user_invites`), org reengagement
 * (`org_activity`), org growth and attrition (`org_changes`) — in two phases, so that no worker reads or writes
 * more than a share of them, whatever the tenant's size:
 *
 * | phase             | parts                                         | reads                                    | writes                              |
 * |-------------------|-----------------------------------------------|------------------------------------------|-------------------------------------|
 * | plan              | (in planRun) K = ⌈users / 500,000⌉ (≤ 30)     | `E#{E}#LAH` (the tenant's users); org    | K gather ranges and K slices a part |
 * |                   |                                               |   ids sampled from `LA#O` (org_activity) |                                     |
 * | gather (by range) | the part with `range`: invites / membership   | the range's days of the 90-day logs; or  | records `[id, …numbers]`, 500 an    |
 * |                   |   changes: a range of days; org activity: a   |   the 60 day sets of `active_orgs`, only |   item, under its attempt           |
 * |                   |   range of org ids                            |   the range's ids, and its candidates'   |   (`…#GATHER#{part}#A{attempt}`)    |
 * |                   |                                               |   org items                              |                                     |
 * | rows (by slice)   | the part with `slice` j of K, queued when     | every counted gather's records (Query);  | slice j of each of the part's lists |
 * |                   |   every gather of the part is counted         |   the slice's users' or orgs' items,     |   as a segment of its own (`s{j}`)  |
 * |                   |                                               |   member COUNTs                          |                                     |
 *
 * Why:
 *  - *What costs is the rows*: an org row needs its org item and a COUNT Query of its members, an inviter's row its
 *    user item and its orgs', so the rows are what is cut into slices. A record is a few numbers (≈ 50 bytes, a
 *    tenth of a row): a rows part reads all of them (≈ 100,000 of a list at 10M users), sums them by id, ranks the
 *    lists as the unsharded part does (compute.ts `rank`) and writes rows of its slice only: slice j is ranks
 *    [⌊j·n/K⌋, ⌊(j+1)·n/K⌋) of each list, the same for every rows part and delivery since it follows from the
 *    counted gathers alone. Subjects gone at T drop out of their slice, keeping the others' order, so the slices'
 *    rows concatenated are exactly the unsharded list.
 *  - *Gathers by range* so that reading what the lists come from is cut too: the invite and membership-change logs
 *    are partitioned by day (a gather reads its days; an inviter's or org's counts are summed over the gathers), the
 *    org day sets are keyed by org id (a gather reads its ids, as a user activity tally does: activityShards.ts).
 *  - *Planned from the tenant's users*, as org churn is (orgChurnPlan.ts): orgs and inviters have no counters of
 *    their own, and the lists grow with the users. No rests: a range over its share costs time, never a wrong row.
 */

export const LIST_PARTS = ["user_invites", "org_activity", "org_changes"] as const;
export type ListPart = (typeof LIST_PARTS)[number];
export const isListPart = (part: string): part is ListPart => (LIST_PARTS as readonly string[]).includes(part);

/**
 * Tenant users per gather range and per rows slice: at 100k / 300k users (bench, one worker each) the largest
 * phase worker grew ∝ users, so 500,000 users' share keeps each worker well inside 2 minutes (scripts/bench).
 */
export const USERS_PER_LIST_SHARD = 500_000;
/** Ranges of ≥ 3 days of the 90-day look-back. */
const MAX_LIST_SHARDS = 30;
/** Parts of each phase when a run asks for small budgets (tests): enough to merge several. */
const TEST_PARTS_CAP = 4;
/** Records per item: 500 × (an id ≤ 256 bytes + 6 numbers) stays under DynamoDB's 400 KB. */
const RECORDS_PER_ITEM = 500;
const PARALLEL_QUERIES = 16;

export interface ListPlan {
  /** The gather parts' ranges: of days (`YYYY-MM-DD`) for the logs, of org ids for org activity. */
  gathers: IdRange[];
  /** K: rows parts, each one slice of every list of the part. */
  slices: number;
}

/** `[id, …numbers]`: an inviter's or org's counts in a gather's range, summed over the gathers. */
export type GatherRecord = [string, ...number[]];

/** The plans of the three list parts of a run at T; `rows` (tests) is users per shard, and caps the parts. */
export async function planListParts(
  store: Store,
  environmentId: string,
  time: number,
  rows?: number,
): Promise<Record<ListPart, ListPlan>> {
  const users = await currentUsers(store, environmentId);
  const cap = rows === undefined ? MAX_LIST_SHARDS : TEST_PARTS_CAP;
  const shards = Math.min(cap, Math.max(1, Math.ceil(users / Math.max(1, rows ?? USERS_PER_LIST_SHARD))));
  const days = shards === 1 ? [{}] : rangesOf(lookbackDays(time, LOOKBACK_MS), shards);
  const orgs =
    shards === 1 ? [{}] : rangesOf(await sampleIds(store, environmentId, time, Math.min(256, 8 * shards), "O"), shards);
  return {
    user_invites: { gathers: days, slices: shards },
    org_activity: { gathers: orgs, slices: shards },
    org_changes: { gathers: days, slices: shards },
  };
}

/** In [from, to) by string order (days; ids are read by key condition instead). */
const inRange = (key: string, range: IdRange) =>
  (range.from === undefined || key >= range.from) && (range.to === undefined || key < range.to);

/** The records of `range`, and the items read for them (the bench's measure of a gather's work). */
async function gather(
  ctx: PartContext,
  part: ListPart,
  range: IdRange,
): Promise<{ records: GatherRecord[]; read: number }> {
  const T = ctx.time;
  let read = 0;
  if (part === "org_activity") {
    const tallies = new Map<string, number>();
    const { condition, values } = rangeCondition(range);
    await mapLimit(lookbackDays(T, 2 * intervalMs("Monthly")), PARALLEL_QUERIES, async (day) => {
      const pages = queryPages<ActivitySetItem & { sk: string }>(ctx.store, {
        TableName: ctx.store.tables.activity,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: {
          ":pk": keys.activitySetPk(ctx.environmentId, "active_orgs", "day", day),
          ...values,
        },
        ProjectionExpression: "sk, min_at, max_at",
      });
      for await (const page of pages)
        for (const i of page) {
          read++;
          // BETWEEN includes `to`, which is the next range's.
          if (i.sk !== range.to)
            tallies.set(
              i.sk,
              tallyDay(tallies.get(i.sk) ?? 0, { id: i.sk, day, min_at: i.min_at, max_at: i.max_at }, T, false),
            );
        }
    });
    // Reengaged orgs (active in the last period, not the one before, first active before it): their last activity.
    const candidates = returnedInAPeriod(tallies);
    const records: GatherRecord[] = [];
    for (let i = 0; i < candidates.length; i += USERS_PER_STEP) {
      const orgs = await orgItems(ctx, candidates.slice(i, i + USERS_PER_STEP));
      read += orgs.size;
      for (const [id, o] of orgs) {
        const flags = REENGAGEMENT.map((p, j) =>
          returnedIn(tallies.get(id) as number, j) && o.first_active_at < T - 2 * intervalMs(p) ? 1 : 0,
        );
        if (flags.some((f) => f === 1)) records.push([id, o.last_active_at, ...flags]);
      }
    }
    return { records, read };
  }
  const days = lookbackDays(T, LOOKBACK_MS).filter((day) => inRange(day, range));
  const windows = WINDOW_DAYS.map((n) => T - intervalMs(n));
  const counts = new Map<string, number[]>();
  if (part === "user_invites")
    await forEachLogItem<InviteItem>(
      ctx,
      days,
      (day) => keys.invitesPk(ctx.environmentId, day),
      (i) => {
        read++;
        const c = counts.get(i.inviter_id) ?? [0, 0, 0];
        windows.forEach((from, j) => {
          if (i.at >= from && i.at < T) (c[j] as number)++;
        });
        counts.set(i.inviter_id, c);
      },
    );
  else
    await forEachLogItem<MemberChangeItem>(
      ctx,
      days,
      (day) => keys.memberChangesPk(ctx.environmentId, day),
      (m) => {
        read++;
        // Added in 30, 60, 90 days, then removed in them.
        const c = counts.get(m.org_id) ?? [0, 0, 0, 0, 0, 0];
        const base = m.change === "added" ? 0 : WINDOW_DAYS.length;
        windows.forEach((from, j) => {
          if (m.at >= from && m.at < T) (c[base + j] as number)++;
        });
        counts.set(m.org_id, c);
      },
    );
  const records: GatherRecord[] = [];
  for (const [id, c] of counts) if (c.some((n) => n > 0)) records.push([id, ...c]);
  return { records, read };
}

/** Gather part: the records of one range, written under this delivery's attempt (at least one item, maybe empty). */
export async function listGather(ctx: PartContext, part: ListPart, range: IdRange): Promise<PartResult> {
  if (ctx.attempt === undefined) throw new Error(`a ${part} gather needs an attempt id`);
  const attempt = ctx.attempt;
  const { records, read } = await gather(ctx, part, range);
  const items: Record<string, unknown>[] = [];
  for (let i = 0, n = 0; i === 0 || i < records.length; i += RECORDS_PER_ITEM, n++)
    items.push({
      ...keys.listGather(ctx.environmentId, ctx.reportId, part, attempt, n),
      records: JSON.stringify(records.slice(i, i + RECORDS_PER_ITEM)),
      [REPORT_TTL_ATTRIBUTE]: ctx.expiresAt,
    });
  await batchPutAll(ctx.store, ctx.store.tables.reports, items);
  return { counts: {}, itemsWritten: items.length, gathered: read };
}

/** Every counted gather's records summed by id; a gather that wrote nothing (expired, never written) is an error. */
async function readGathered(
  ctx: PartContext,
  part: ListPart,
  attempts: readonly string[],
): Promise<Map<string, number[]>> {
  const byId = new Map<string, number[]>();
  await mapLimit(attempts, PARALLEL_QUERIES, async (attempt) => {
    const pages = queryPages<{ records: string }>(ctx.store, {
      TableName: ctx.store.tables.reports,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.listGatherPk(ctx.environmentId, ctx.reportId, part, attempt) },
      ProjectionExpression: "records",
      ConsistentRead: true,
    });
    let items = 0;
    for await (const page of pages)
      for (const item of page) {
        items++;
        for (const [id, ...numbers] of JSON.parse(item.records) as GatherRecord[]) {
          const sum = byId.get(id);
          if (sum) for (const [k, n] of numbers.entries()) sum[k] = (sum[k] as number) + n;
          else byId.set(id, numbers);
        }
      }
    if (items === 0) throw new Error(`${part} gather ${attempt} not found`);
  });
  return byId;
}

interface ListOfPart {
  report: ReportName;
  interval: string;
  /** Built when the list is written, one list at a time: a rows part holds one list's entries, not the part's. */
  entries: () => Ranked<string>[];
}

/** The part's lists from its summed records, unranked: the entries and extras of the unsharded part. */
function listsOf(part: ListPart, byId: ReadonlyMap<string, number[]>): ListOfPart[] {
  if (part === "user_invites")
    return WINDOW_DAYS.map((interval, j) => ({
      report: "user_report/top_inviter",
      interval,
      entries: () => {
        const entries: Ranked<string>[] = [];
        for (const [id, c] of byId) {
          const num = c[j] as number;
          if (num > 0) entries.push({ subject: id, score: [num], extra: { num_invites: num } });
        }
        return entries;
      },
    }));
  if (part === "org_activity")
    return REENGAGEMENT.map((interval, i) => ({
      report: "org_report/reengagement",
      interval,
      entries: () => {
        const entries: Ranked<string>[] = [];
        for (const [id, [last, ...flags]] of byId)
          if (flags[i] === 1) entries.push({ subject: id, score: [last as number] });
        return entries;
      },
    }));
  return (["org_report/growth", "org_report/attrition"] as const).flatMap((report) =>
    WINDOW_DAYS.map((interval, j) => ({
      report,
      interval,
      entries: () => {
        const entries: Ranked<string>[] = [];
        for (const [id, c] of byId) {
          const added = c[j] as number;
          const removed = c[WINDOW_DAYS.length + j] as number;
          if (report === "org_report/growth" && added + removed > 0)
            entries.push({
              subject: id,
              score: [added - removed],
              extra: { num_users_added: added, num_users_removed: removed },
            });
          if (report === "org_report/attrition" && removed > 0)
            entries.push({
              subject: id,
              score: [removed],
              extra: { num_users_added: added, num_users_removed: removed, net_users_change: added - removed },
            });
        }
        return entries;
      },
    })),
  );
}

/** Org rows of ranked ids, a step at a time; an org gone at T has no row, the others keep their order. */
async function writeOrgRows(
  ctx: PartContext,
  orgs: OrgDirectory,
  members: Map<string, number>,
  w: RankListWriter,
  ranked: Ranked<string>[],
): Promise<void> {
  for (let i = 0; i < ranked.length; i += USERS_PER_STEP) {
    const step = ranked.slice(i, i + USERS_PER_STEP);
    await orgs.load(step.map((r) => r.subject));
    // Counted once per part, whichever lists an org is in.
    const uncounted = step.map((r) => r.subject).filter((id) => orgs.get(id) && !members.has(id));
    for (const [id, n] of await memberCounts(ctx, new Set(uncounted))) members.set(id, n);
    for (const r of step) {
      const o = orgs.get(r.subject);
      if (o) w.add(orgRow(o, members.get(r.subject) ?? 0, r.extra));
    }
    await w.flush();
  }
  await w.flush(true);
}

/** Slice j of K of a list in rank order; the list's other entries are not kept (not in a suspended frame either). */
function sliceOfList(list: ListOfPart, slice: { index: number; of: number }): Ranked<string>[] {
  const ranked = rank(list.entries(), (id) => id);
  const n = ranked.length;
  return ranked.slice(Math.floor((slice.index * n) / slice.of), Math.floor(((slice.index + 1) * n) / slice.of));
}

/** Ranks [⌊j·n/K⌋, ⌊(j+1)·n/K⌋) of each list (all of them: j = 0 of 1), written as `segment` (none: whole). */
async function writeLists(
  ctx: PartContext,
  part: ListPart,
  byId: ReadonlyMap<string, number[]>,
  slice: { index: number; of: number },
  segment?: string,
): Promise<PartResult> {
  const orgs = new OrgDirectory(ctx);
  const members = new Map<string, number>();
  const writers: RankListWriter[] = [];
  // One list after another: the org lists share their orgs' member counts.
  for (const list of listsOf(part, byId)) {
    const mine = sliceOfList(list, slice);
    const w = writer(ctx, list.report, list.interval, segment);
    if (part === "user_invites") await writeUserRows(ctx, orgs, w, mine);
    else await writeOrgRows(ctx, orgs, members, w, mine);
    writers.push(w);
  }
  return finish(writers);
}

/** Rows part: slice `index` of every list of the part, from every counted gather, written as its own segment. */
export async function listRows(
  ctx: PartContext,
  part: ListPart,
  slice: { index: number; of: number; tallies: readonly string[] },
): Promise<PartResult> {
  const byId = await readGathered(ctx, part, slice.tallies);
  return writeLists(ctx, part, byId, slice, sliceSegment(slice.index));
}

/** The whole part in one worker (a job of a run planned before the gathers): one range, every rank. */
export async function listWhole(ctx: PartContext, part: ListPart): Promise<PartResult> {
  const { records } = await gather(ctx, part, {});
  return writeLists(ctx, part, new Map(records.map(([id, ...numbers]) => [id, numbers])), { index: 0, of: 1 });
}
