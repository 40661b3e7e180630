import { batchGetAll, batchPutAll, queryPages } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { counterItemTotals } from "../storage/counterItems.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { hourOf } from "../time.js";
import { type ChurnShard, instantKey } from "./churnShards.js";
import {
  CURVE_ENTITIES,
  type CurveEntity,
  CurvesAccumulator,
  type CurveTallies,
  curvesLookbackStart,
} from "./curves.js";
import { curvesAttemptKey } from "./curvesPart.js";

/**
 * Curves in shards: how the `user_curves` and `org_curves` refresh parts (curvesPart.ts) of a big tenant are cut
 * into ranges of the `byLastActive` order, each computed by its own worker into partial tallies, and how the partial
 * tallies become the snapshot's curve items once every shard is counted.
 *
 * | step                        | reads / writes                                                   | cost                        |
 * |-----------------------------|------------------------------------------------------------------|-----------------------------|
 * | plan the user curve shards  | activity `E#{E}#LAH` hours from the look-back (13 months) on     | ≤ 9,500 small items          |
 * |                             |   (the per-hour last-activity counters), oldest first            |                             |
 * | plan the org curve shard    | nothing: one range, split as it is computed                      |                             |
 * | a shard is computed         | its index range newest first (users: then the deleted-user       | 1 write (its tallies)       |
 * |                             |   markers of the same range), the calendars; Put reports         |                             |
 * |                             |   `…#{entity}#tally@{to}#A{attempt}`                             |                             |
 * | a shard over its budget     | stops after the index page that reaches it; the older rest       | then 1 SQS message          |
 * |                             |   `[from, oldest key folded)` is a new part (as a churn rest)    |                             |
 * | the run completes           | BatchGet each counted shard's tallies (the attempt the run item | shards reads, 8 writes an   |
 * |                             |   names), summed; Put the 8 curve items under attempt `merged`   |   entity                    |
 *
 * Why:
 *  - *Ranges of the index, planned from the hour counters* (as the user churn shards, churnShards.ts): every user
 *    that can count in a curve was active (or signed up) in the look-back, so its last activity is in
 *    [look-back, ∞); whole hours of ≤ `rows` users each keep the shards balanced and independent. The newest range
 *    is open (`OPEN_END`), so whoever is active after the plan is still in some range. An hour over the budget (a
 *    bulk import) is a shard alone that hands its rest on: no worker folds more than its budget plus one page.
 *  - *Deleted users go with their range.* A deleted user's marker is keyed by its last activity frozen at deletion,
 *    i.e. where its index entry was: a shard reads the markers of its own range after its index range, so a user
 *    deleted while the shard runs is found by the same shard (the unsharded part's order).
 *  - *Partial tallies merge by addition* (curves.ts `mergeTallies`): a shard stores one item of sums (≤ 30 × 30
 *    numbers per cadence), whatever its size. The run item records each shard's counted attempt like any part's,
 *    so exactly one delivery's tallies per shard are merged.
 *  - *The merge runs where the pointer is switched* (refreshRun.ts `runPartJob`, when the run is complete): it is a
 *    pure function of the run item's recorded attempts, so any delivery that finds the run complete (a retry after
 *    a failed switch, a concurrent duplicate) writes the same bytes under the same keys before switching; requests
 *    keep reading the pointer and one item.
 *  - *Org curves: one range, split as computed.* Orgs are ≪ users (the bench's mix: one per 20 users, so ≤ one
 *    budget up to 1M users) and have no per-hour counters to plan from: like the org churn they start as one part,
 *    and a tenant with more orgs than a budget gets a chain of rests, each worker within its budget.
 *  - *Known limit, as before sharding:* the index is not a snapshot. A user active again while the refresh runs
 *    moves to the newest range; it may then be folded by its old range and by the newest one, or (its old shard
 *    computed after the move, the newest before) by neither. Only users active during the refresh's minutes, and
 *    only their activity after T (which never counts) moves them.
 */

/**
 * Users (or orgs) one curve worker folds, by the bench (`npm run bench`): a worker's memory is constant (a page
 * and the tallies) and its time ∝ what it folds; 50,000 stays under 2 minutes even on the loaded bench machine.
 */
export const CURVE_SHARD_ROWS = 50_000;

/**
 * A range of the user curves: index keys (and deleted-user markers) in [from, to). `to` is a bare hour, OPEN_END,
 * or (a rest handed on) the oldest key the shard before folded; `budget` the users it folds before handing on.
 */
export interface CurveShard extends ChurnShard {
  from: string;
  budget?: number;
}

/** The upper bound of the newest range: after every index key and marker (`{ISO}#{id}`). */
export const OPEN_END = "9999-12-31T23:59:59.999Z";

/** The attempt whose 8 curve items a merged (sharded) snapshot serves: not a random attempt id (12 hex digits). */
export const MERGED_ATTEMPT = "merged";

/** The run's key for the attempt of the curve shard (of users or orgs) whose range ends at `to`. */
const shardAttemptPrefix = (entity: CurveEntity) => `${curvesAttemptKey(entity)}@`;
export const curveShardAttemptKey = (entity: CurveEntity, shard: ChurnShard): string =>
  `${shardAttemptPrefix(entity)}${shard.to}`;

/** The whole range of the user curves at T: every index key from the look-back on. */
export function wholeCurveRange(time: number): Required<ChurnShard> {
  return { from: instantKey(curvesLookbackStart(time)), to: OPEN_END };
}

/**
 * The org curve shard at T: the whole range, split as computed (orgs have no hour counters to plan from), with the
 * budget the user shards were planned with.
 */
export function orgCurveShard(time: number, userShards: readonly CurveShard[]): CurveShard {
  return { ...wholeCurveRange(time), budget: userShards[0]?.budget ?? CURVE_SHARD_ROWS };
}

/**
 * The user curve shards at T: whole hours of last activity from the look-back on, ≤ `rows` users each as counted
 * (one hour over it is a shard alone, which hands the rest of its range on as it is computed, curvesPart.ts).
 */
export async function planUserCurveShards(
  store: Store,
  environmentId: string,
  time: number,
  rows: number,
): Promise<CurveShard[]> {
  const whole = wholeCurveRange(time);
  const hours = queryPages<{ sk: string; count?: number }>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk >= :hour",
    ExpressionAttributeNames: { "#count": "count" },
    ExpressionAttributeValues: {
      ":pk": keys.lastActiveHoursPk(environmentId),
      ":hour": hourOf(Date.parse(whole.from)),
    },
    ProjectionExpression: "sk, #count",
  });
  const shards: CurveShard[] = [];
  let from = whole.from;
  let users = 0;
  // An hour's counter is the sum of its sub-items (counterItems.ts).
  for await (const { sk, count } of counterItemTotals(hours)) {
    const n = count;
    const start = `${sk}:00:00.000Z`;
    // The look-back starts on an hour: no counted hour starts before it. Hours are distinct, so bounds increase.
    if (n <= 0 || start <= from) {
      users += Math.max(0, n);
      continue;
    }
    if (users > 0 && users + n > rows) {
      shards.push({ from, to: start, budget: rows });
      from = start;
      users = 0;
    }
    users += n;
  }
  shards.push({ from, to: OPEN_END, budget: rows });
  return shards;
}

/** A shard's partial tallies, under this delivery's attempt. */
export async function writeShardTallies(
  store: Store,
  at: { environmentId: string; reportId: string; expiresAt: number; attempt?: string },
  entity: CurveEntity,
  shard: ChurnShard,
  tallies: CurveTallies,
): Promise<void> {
  await batchPutAll(store, store.tables.reports, [
    {
      ...keys.curve(at.environmentId, at.reportId, entity, `tally@${shard.to}`, at.attempt),
      body: JSON.stringify(tallies),
      [REPORT_TTL_ATTRIBUTE]: at.expiresAt,
    },
  ]);
}

/** What the merge needs of a complete run (refreshRun.ts `RunItem`). */
interface MergeableRun {
  report_id: string;
  time: number;
  curve_shards?: CurveShard[];
  attempts?: Record<string, string>;
}

/**
 * The curve items of a complete run whose curves were sharded: for users and for orgs, every counted shard's
 * tallies summed and written as the entity's 8 items (attempt `MERGED_ATTEMPT`). Returns the run with its attempts
 * as the pointer should name them (the shards' replaced by the merged one); a run without curve shards as it is.
 */
export async function mergeCurveShards<R extends MergeableRun>(
  store: Store,
  environmentId: string,
  run: R,
  expiresAt: number,
): Promise<R> {
  if (run.curve_shards === undefined) return run;
  let attempts: Record<string, string> = { ...run.attempts };
  for (const entity of CURVE_ENTITIES) {
    const prefix = shardAttemptPrefix(entity);
    const counted = Object.entries(attempts).filter(([key]) => key.startsWith(prefix));
    if (counted.length === 0) continue;
    const items = await batchGetAll<{ body: string }>(
      store,
      store.tables.reports,
      counted.map(([key, attempt]) =>
        keys.curve(environmentId, run.report_id, entity, `tally@${key.slice(prefix.length)}`, attempt),
      ),
      { consistent: true, attributes: ["body"] },
    );
    // A counted shard always wrote its tallies before it was counted: one missing is a fault, retried with the part.
    if (items.length !== counted.length) throw new Error("curve shard tallies missing: merge retried");
    const acc = new CurvesAccumulator(entity, run.time);
    for (const item of items) acc.merge(JSON.parse(item.body) as CurveTallies);
    await batchPutAll(
      store,
      store.tables.reports,
      [...acc.bodies()].map(([name, body]) => ({
        ...keys.curve(environmentId, run.report_id, entity, name, MERGED_ATTEMPT),
        body: JSON.stringify(body),
        [REPORT_TTL_ATTRIBUTE]: expiresAt,
      })),
    );
    attempts = Object.fromEntries(Object.entries(attempts).filter(([key]) => !key.startsWith(prefix)));
    attempts[curvesAttemptKey(entity)] = MERGED_ATTEMPT;
  }
  return { ...run, attempts };
}
