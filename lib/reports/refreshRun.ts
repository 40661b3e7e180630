import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { requireEnvironment } from "../auth/credentials.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { activityJobs, talliesComplete, tallyAttempts } from "./activityRun.js";
import { type IdRange, isSliceSegment, planUserActivity, sliceSegment } from "./activityShards.js";
import { CHURN_SHARD_ROWS, type ChurnShard, churnUpperBound, planUserChurnShards } from "./churnShards.js";
import {
  CURVE_SHARD_ROWS,
  type CurveShard,
  mergeCurveShards,
  orgCurveShard,
  planUserCurveShards,
} from "./curveShards.js";
import { isListPart, type ListPart, type ListPlan, planListParts } from "./listShards.js";
import { planOrgChurnShards } from "./orgChurnPlan.js";
import { PART_NAMES, type PartName, type PartResult, runPart } from "./refreshParts.js";
import { newReportId, ROW_TTL_SECONDS, type SnapshotOptions, switchPointer } from "./snapshot.js";

/**
 * The refresh pipeline's coordination: one run = one snapshot of one environment at T, split into independent
 * parts (refreshParts.ts) whose completion is counted in one DynamoDB item; the part that completes the count
 * switches the pointer. SQS carries the parts (functions/refreshWorker.ts): no scheduler of our own.
 *
 * | step                          | item / call                                                   | cost                               |
 * |-------------------------------|---------------------------------------------------------------|------------------------------------|
 * | plan a run                    | Query the hour counters (user churn and curve shards,         | 1 write; then 1 SQS message a part |
 * |                               |   churnShards.ts, curveShards.ts; user activity ranges,       |   (the activity rows parts: once   |
 * |                               |   activityShards.ts; org churn ranges, orgChurnPlan.ts; the   |   every tally is counted; the list |
 * |                               |   list parts' gathers and slices, listShards.ts);             |   parts' rows: once their gathers  |
 * |                               |   Put reports `E#{E}#RUN#{reportId}` (attribute_not_exists)   |   are)                             |
 * | a part is computed            | its chunks under its attempt id (one random id per delivery)  | its rows / 20 writes               |
 * | a part is done                | Update: ADD `parts_done` :part, SET `counts.#k`,              | 1 write per part                   |
 * |                               |   `attempts.#k` = this attempt (not yet done)                 |                                    |
 * | a tally / gather is done      | the same Update: SET `tallies.#id` / `gathered.#id` = attempt | the last one queues the rows parts |
 * | a churn shard hands on a rest | the same Update: ADD `parts_total` 1, SET `rests.#part`       | then 1 SQS message                 |
 * | the last part switches        | sharded curves merged first (curveShards.ts: their tallies,   | shards reads, 16 writes;           |
 * |                               |   8 items an entity); Put entities `REPORT#current`           |   1 write per run                  |
 * | a redelivered, done part      | GetItem of the run (consistent), no recomputation; its rest   | 1 read (+ 1 message)               |
 * |                               |   (if any) is queued again                                    |                                    |
 *
 * Why: the counter's condition (`NOT contains(parts_done, :part)`) makes a part count once however often it is
 * delivered; `parts_done` as a string set lets any redelivery see whether the run is complete and (re)try the
 * switch, so a switch that failed is retried with its part alone. A churn shard that hands the rest of its range on
 * raises `parts_total` in the very write that counts it, so the run can never look complete while a rest is
 * pending, and a redelivery finds the recorded rest (not one recomputed from newer data) to queue again.
 * Two deliveries of one part may run at once (SQS is at least once) and compute different rows (ingestion goes on
 * between them): each writes its chunks under its own attempt id, the counting write records the winner's attempt
 * with the winner's counts (and rest), and the pointer names that attempt for each list, so what is served is
 * always exactly one delivery's output; the loser's chunks are never named and expire by TTL. A part's
 * id is its name and, for a churn shard, its upper bound: distinct within a run (a plan repeating one is refused).
 * A failing part fails only its own message, which SQS retries and finally dead-letters; the previous snapshot
 * stays current meanwhile. The run item lives in the reports table beside the rows and expires with them (TTL).
 */

export interface RunItem {
  report_id: string;
  /** T, ms. */
  time: number;
  parts_total: number;
  parts_done?: Set<string>;
  /** The user churn shards as planned (a redelivered plan queues these, not a new plan). */
  user_shards?: ChurnShard[];
  /** The org churn shards as planned (orgChurnPlan.ts); absent in older runs: one range. */
  org_shards?: ChurnShard[];
  /** The user curve shards as planned (curveShards.ts); absent: `user_curves` is one part (runs planned before). */
  curve_shards?: CurveShard[];
  /** Row counts of the lists written whole, by `{report}#{interval}`. */
  counts: Record<string, number>;
  /** Row counts of the sharded lists' shards, by `{report}#{interval}@{shard}`. */
  shard_counts?: Record<string, number>;
  /** The rest handed on by a churn shard, by the part id of the shard that handed it on. */
  rests?: Record<string, ChurnShard | IdRange>;
  /** User activity (activityShards.ts): the tally ranges as planned, and the rows parts' count (slices). */
  activity_ranges?: IdRange[];
  activity_slices?: number;
  /** The list parts (listShards.ts): gather ranges and rows slices as planned; absent in older runs: whole parts. */
  list_plans?: Partial<Record<ListPart, ListPlan>>;
  /** The counted gathers' attempts by part id (`{part}@from:…`): the rows parts read their records. */
  gathered?: Record<string, string>;
  /** The counted tallies' attempts by part id, and how many tallies there are (planned + rests handed on). */
  tallies?: Record<string, string>;
  tallies_total?: number;
  /**
   * The attempt (part delivery) whose chunks hold each list, keyed as `counts` and `shard_counts` are: set by the
   * write that counts the part, with its counts. Absent in runs planned before attempts were recorded.
   */
  attempts?: Record<string, string>;
  /** Rows per churn shard, when a run asks for other than CHURN_SHARD_ROWS (tests cut small lists). */
  shard_rows?: number;
  replace_newer: boolean;
}

export interface PartJob {
  environment_id: string;
  report_id: string;
  time: number;
  part: PartName;
  /** A churn part's range (churnShards.ts). */
  shard?: ChurnShard;
  /**
   * A user activity tally's range of user ids, or a rows part's slice (activityShards.ts); a list part's gather
   * range (days or org ids) or rows slice (listShards.ts).
   */
  range?: IdRange;
  slice?: number;
}

export interface RunOptions extends SnapshotOptions {
  /** Rows per churn shard (default CHURN_SHARD_ROWS): tests pass a few to cut small lists into many shards. */
  shardRows?: number;
  /** Users per user curve shard (default CURVE_SHARD_ROWS): tests pass a few to cut the curves into many shards. */
  curveShardRows?: number;
}

/** Between a name and a shard's upper bound (an ISO instant, which never contains it). */
const SHARD_SEPARATOR = "@";

/** A part's name within its run: the part, and a churn shard's upper bound (unique among the shards of a run). */
export function partId(job: Pick<PartJob, "part" | "shard" | "range" | "slice">): string {
  if (job.range) return `${job.part}${SHARD_SEPARATOR}from:${job.range.from ?? ""}`;
  if (job.slice !== undefined) return `${job.part}${SHARD_SEPARATOR}${sliceSegment(job.slice)}`;
  return job.shard ? `${job.part}${SHARD_SEPARATOR}${job.shard.to}` : job.part;
}

/** The segment of a sharded list a part writes: a churn shard's upper bound, a rows part's slice. */
function segmentOf(job: Pick<PartJob, "shard" | "slice">): string | undefined {
  return job.shard?.to ?? (job.slice === undefined ? undefined : sliceSegment(job.slice));
}

/** Creates the run of a snapshot at `nowMs` (rounded down to the second); `runKey` makes a re-planned job the same run. */
export async function planRun(
  store: Store,
  environmentId: string,
  nowMs: number,
  options: RunOptions = {},
  runKey?: string,
): Promise<PartJob[]> {
  await requireEnvironment(store, environmentId);
  const time = Math.floor(nowMs / 1000) * 1000;
  const reportId = newReportId(time, runKey);
  const base = { environment_id: environmentId, report_id: reportId, time };
  const userShards = await planUserChurnShards(store, environmentId, time, options.shardRows ?? CHURN_SHARD_ROWS.U);
  const activity = await planUserActivity(store, environmentId, time, options.shardRows);
  // Tests' small budgets plan several org ranges too.
  const orgShards = await planOrgChurnShards(store, environmentId, time, options.shardRows);
  const curveShards = await planUserCurveShards(store, environmentId, time, options.curveShardRows ?? CURVE_SHARD_ROWS);
  const lists = await planListParts(store, environmentId, time, options.shardRows);
  const listSlices = Object.values(lists).reduce((n, plan) => n + plan.slices, 0);
  const jobs = partJobs(base, userShards, activity.ranges, orgShards, curveShards, lists);
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.reports,
        Item: {
          ...keys.refreshRun(environmentId, reportId),
          report_id: reportId,
          time,
          // The rows parts are counted from the start (queued once the tallies are: activityRun.ts).
          parts_total: jobs.length + activity.slices + listSlices,
          user_shards: userShards,
          org_shards: orgShards,
          activity_ranges: activity.ranges,
          activity_slices: activity.slices,
          tallies: {},
          tallies_total: activity.ranges.length,
          curve_shards: curveShards,
          list_plans: lists,
          gathered: {},
          counts: {},
          shard_counts: {},
          rests: {},
          attempts: {},
          ...(options.shardRows === undefined ? {} : { shard_rows: options.shardRows }),
          replace_newer: options.replaceNewer === true,
          [REPORT_TTL_ATTRIBUTE]: toUnixSeconds(time) + ROW_TTL_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
    // A redelivered plan of the same job: the run exists; its parts, as first planned (the hour counters may have
    // moved since), are queued again and each counts once.
    const run = await getRun(store, { environment_id: environmentId, report_id: reportId });
    return partJobs(
      base,
      run.user_shards ?? [{ to: churnUpperBound(time) }],
      run.activity_ranges,
      run.org_shards,
      run.curve_shards,
      run.list_plans,
    );
  }
  return jobs;
}

function partJobs(
  base: Omit<PartJob, "part">,
  userShards: ChurnShard[],
  activityRanges?: IdRange[],
  orgShards?: ChurnShard[],
  curveShards?: CurveShard[],
  listPlans?: Partial<Record<ListPart, ListPlan>>,
): PartJob[] {
  const jobs = PART_NAMES.flatMap((part): PartJob[] => {
    if (part === "user_churn") return userShards.map((shard) => ({ ...base, part, shard }));
    if (part === "user_activity" && activityRanges) return activityRanges.map((range) => ({ ...base, part, range }));
    if (part === "user_curves" && curveShards) return curveShards.map((shard) => ({ ...base, part, shard }));
    if (part === "org_curves" && curveShards) return [{ ...base, part, shard: orgCurveShard(base.time, curveShards) }];
    const listPlan = isListPart(part) ? listPlans?.[part] : undefined;
    if (listPlan) return listPlan.gathers.map((range) => ({ ...base, part, range }));
    if (part === "org_churn")
      return (orgShards ?? [{ to: churnUpperBound(base.time) }]).map((shard) => ({ ...base, part, shard }));
    return [{ ...base, part }];
  });
  // Two parts of one id would count once and the run would never complete: refuse the plan instead.
  if (new Set(jobs.map(partId)).size !== jobs.length) throw new Error("refresh plan with two parts of one id");
  return jobs;
}

async function getRun(store: Store, job: Pick<PartJob, "environment_id" | "report_id">): Promise<RunItem> {
  const got = await store.doc.send(
    new GetCommand({
      TableName: store.tables.reports,
      Key: keys.refreshRun(job.environment_id, job.report_id),
      ConsistentRead: true,
    }),
  );
  if (!got.Item) throw new Error(`refresh run ${job.report_id} not found (expired or never planned)`);
  return got.Item as RunItem;
}

export interface PartOutcome {
  /** Present when this part's run is complete and its snapshot current (switched by this call). */
  pointer?: CurrentReportItem;
  /** The part's result, present when this delivery's result is the one counted (absent: done by another). */
  result?: PartResult;
  /** This delivery's attempt id (its chunks' keys; orphans when another delivery counted the part). */
  attempt?: string;
  /** Parts to queue: the rest a churn shard handed on (again, on a redelivery). */
  next: PartJob[];
}

/** A delivery's id: 12 hex digits, random (two deliveries of one part colliding: one in 2^48). */
export const newAttemptId = (): string => randomUUID().replace(/-/g, "").slice(0, 12);

/** Runs one part, counts it once, and switches the pointer if the run is then complete. */
export async function runPartJob(store: Store, job: PartJob): Promise<PartOutcome> {
  let run = await getRun(store, job);
  let result: PartResult | undefined;
  // A run planned before attempts were recorded keeps the layout without them (its pointer names none).
  const attempt = run.attempts ? newAttemptId() : undefined;
  if (!run.parts_done?.has(partId(job))) {
    if (job.slice !== undefined && job.part === "user_activity" && !talliesComplete(run))
      throw new Error("a user activity rows part before every tally is counted");
    if (job.slice !== undefined && isListPart(job.part) && !gatheringComplete(run, job.part))
      throw new Error(`a ${job.part} rows part before every gather is counted`);
    const computed = await runPart(job.part, {
      store,
      environmentId: job.environment_id,
      reportId: job.report_id,
      time: job.time,
      expiresAt: toUnixSeconds(job.time) + ROW_TTL_SECONDS,
      ...(attempt ? { attempt } : {}),
      ...(job.shard ? { shard: job.shard } : {}),
      ...(job.range ? { range: job.range } : {}),
      ...(job.slice === undefined ? {} : { slice: sliceOf(run, job.part, job.slice) }),
      ...(run.shard_rows === undefined ? {} : { shardRows: run.shard_rows }),
    });
    const recorded = await recordPart(store, job, computed, attempt);
    run = recorded.run;
    if (recorded.counted) result = computed;
  }
  // The rest recorded with the counted delivery's result, whichever delivery this is.
  const rest = run.rests?.[partId(job)];
  const next: PartJob[] = rest ? [job.range ? { ...job, range: rest } : { ...job, shard: rest as ChurnShard }] : [];
  // The tally completing the set (or a redelivery of any, once complete) queues the rows parts; each counts once.
  if (job.range && job.part === "user_activity" && talliesComplete(run))
    next.push(...activityJobs(job, run.activity_slices ?? 1));
  // Likewise the gather completing a list part's set queues its rows parts.
  if (job.range && isListPart(job.part) && gatheringComplete(run, job.part))
    next.push(...activityJobs(job, run.list_plans?.[job.part]?.slices ?? 1));
  const outcome = { next, ...(result ? { result } : {}), ...(attempt ? { attempt } : {}) };
  if ((run.parts_done?.size ?? 0) < run.parts_total) return outcome;
  // Sharded user curves: their tallies merged into the snapshot's curve items first (the same bytes on every call).
  run = await mergeCurveShards(store, job.environment_id, run, toUnixSeconds(job.time) + ROW_TTL_SECONDS);
  const pointer = await switchPointer(store, job.environment_id, pointerOf(run), { replaceNewer: run.replace_newer });
  return { ...outcome, pointer };
}

/** A rows part's slice of `part`: its index, the slice count and the tallies (gathers) it merges, as the run holds them. */
function sliceOf(run: RunItem, part: PartName, index: number) {
  if (isListPart(part)) {
    const prefix = `${part}${SHARD_SEPARATOR}`;
    const tallies = Object.entries(run.gathered ?? {})
      .filter(([id]) => id.startsWith(prefix))
      .map(([, attempt]) => attempt);
    return { index, of: run.list_plans?.[part]?.slices ?? 1, tallies };
  }
  return { index, of: run.activity_slices ?? 1, tallies: tallyAttempts(run) };
}

/** Every planned gather of a list part is counted (gathers hand no rest on: the plan's ranges are all of them). */
function gatheringComplete(run: RunItem, part: ListPart): boolean {
  const planned = run.list_plans?.[part]?.gathers.length;
  return planned !== undefined && sliceOf(run, part, 0).tallies.length === planned;
}

/** The snapshot pointer of a complete run: whole lists' counts, sharded lists' totals and shards in rank order. */
export function pointerOf(run: RunItem): CurrentReportItem {
  const counts = { ...run.counts };
  const attempts: Record<string, string> = {};
  // Every attempt but the shards' (named with their shard below): whole lists', and parts' without lists (curves).
  for (const [key, attempt] of Object.entries(run.attempts ?? {})) {
    if (run.shard_counts?.[key] === undefined) attempts[key] = attempt;
  }
  const shards: Record<string, [string, number, string?][]> = {};
  for (const [key, rows] of Object.entries(run.shard_counts ?? {})) {
    const at = key.lastIndexOf(SHARD_SEPARATOR);
    const list = key.slice(0, at);
    counts[list] = (counts[list] ?? 0) + rows;
    const attempt = run.attempts?.[key];
    const shard: [string, number, string?] =
      attempt === undefined ? [key.slice(at + 1), rows] : [key.slice(at + 1), rows, attempt];
    shards[list] = [...(shards[list] ?? []), shard];
  }
  // Churn shard ids are upper bounds (ISO instants): the newest range holds the first ranks; slices go in order.
  for (const list of Object.values(shards))
    list.sort((a, b) => (a[0] === b[0] ? 0 : a[0] < b[0] === isSliceSegment(a[0]) ? -1 : 1));
  return {
    report_id: run.report_id,
    report_time: toUnixSeconds(run.time),
    counts,
    ...(Object.keys(shards).length > 0 ? { shards } : {}),
    ...(Object.keys(attempts).length > 0 ? { attempts } : {}),
  };
}

/**
 * Counts the part with this delivery's result, unless another delivery counted it first: the one conditional write
 * that decides which delivery's chunks (`attempt`), counts and rest the run keeps.
 */
async function recordPart(
  store: Store,
  job: PartJob,
  result: PartResult,
  attempt: string | undefined,
): Promise<{ run: RunItem; counted: boolean }> {
  const id = partId(job);
  const segment = segmentOf(job);
  const map = segment === undefined ? "counts" : "shard_counts";
  // A part without rank lists (the curves) sets no count: DynamoDB refuses a name the expression does not use.
  const names: Record<string, string> = Object.keys(result.counts).length > 0 ? { "#counts": map } : {};
  const values: Record<string, unknown> = { ":part": new Set([id]), ":name": id };
  const sets = Object.entries(result.counts).flatMap(([key, count], i) => {
    names[`#k${i}`] = segment === undefined ? key : `${key}${SHARD_SEPARATOR}${segment}`;
    values[`:v${i}`] = count;
    return [`#counts.#k${i} = :v${i}`, ...(attempt === undefined ? [] : [`#attempts.#k${i} = :attempt`])];
  });
  if (attempt !== undefined) {
    (result.attemptKeys ?? []).forEach((key, i) => {
      names[`#a${i}`] = key;
      sets.push(`#attempts.#a${i} = :attempt`);
    });
  }
  // Named only when used: DynamoDB refuses a name or value the expression does not use.
  if (sets.some((set) => set.startsWith("#attempts."))) {
    names["#attempts"] = "attempts";
    values[":attempt"] = attempt;
  }
  const adds = ["parts_done :part"];
  if (result.rest) {
    names["#rests"] = "rests";
    names["#id"] = id;
    values[":rest"] = result.rest;
    values[":one"] = 1;
    sets.push("#rests.#id = :rest");
    adds.push("parts_total :one");
    if (job.range && job.part === "user_activity") adds.push("tallies_total :one");
  }
  if (job.range && isListPart(job.part)) {
    // The counted gather's attempt: the part's rows parts read its records (listShards.ts).
    names["#gathered"] = "gathered";
    names["#tid"] = id;
    values[":tally"] = attempt;
    sets.push("#gathered.#tid = :tally");
  } else if (job.range) {
    // The counted tally's attempt: the rows parts read its entries (activityTallies.ts).
    names["#tallies"] = "tallies";
    names["#tid"] = id;
    values[":tally"] = attempt;
    sets.push("#tallies.#tid = :tally");
  }
  try {
    const updated = await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.reports,
        Key: keys.refreshRun(job.environment_id, job.report_id),
        UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(", ")} ` : ""}ADD ${adds.join(", ")}`,
        ConditionExpression: "attribute_exists(pk) AND NOT contains(parts_done, :name)",
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return { run: updated.Attributes as RunItem, counted: true };
  } catch (error) {
    // Counted already by a concurrent delivery of the same part: its chunks, counts and rest are the run's; this
    // delivery's chunks are orphans (TTL). The run as it stands decides the switch.
    if (error instanceof Error && error.name === "ConditionalCheckFailedException")
      return { run: await getRun(store, job), counted: false };
    throw error;
  }
}
