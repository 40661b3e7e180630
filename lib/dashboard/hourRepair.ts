import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import { addCounts, checkpointOf, countAttributes, countsOfMembers, type DerivationCheckpoint } from "./hourSources.js";
import type { DayHourCounts } from "./hours.js";

/**
 * The repair of old days' hour counts from their members (hourSources.ts: a day whose generation moved past its
 * derived item), bounded per request. After an import of old history a long period may hold thousands of such days,
 * and one day of a big tenant hundreds of thousands of members: unbounded, a reader's first request would read them
 * all (time past its deadline, memory ∝ the largest day). So:
 *
 * | what                         | how                                                                              |
 * |------------------------------|----------------------------------------------------------------------------------|
 * | members read per request     | ≤ REPAIR_ITEMS_PER_REQUEST (`HOUR_REPAIR_ITEMS` overrides), over every day kept  |
 * | time per request             | pages started within REPAIR_MS_PER_REQUEST (10 s; the request's budget is 22 s)  |
 * | memory                       | one page of members at a time (counts add up: each member is one user)          |
 * | a day left unfinished        | its checkpoint on its derived item: `part_gen`, `part_after` (last member read),  |
 * |                              |   `part_counts`; the next request at the same generation resumes there           |
 * | the request                  | 503 with `Retry-After` (HoursBeingDerived is retryable): every retry goes further |
 * | a day not kept (too recent)  | read whole, outside the budget: ≤ 3 days, ∝ their users (as hourly-data's cut)    |
 *
 * Why a checkpoint is exact: members of an old day change only by old-day ingestion, which writes its members and
 * then bumps the day's generation (lib/ingest/hourGenerations.ts). A checkpoint is used only at the generation it
 * was read at; a member that gained an hour behind it has bumped the generation, or is still being ingested (its
 * request not answered yet, as for a derivation read in one go). The derived item's Put replaces the checkpoint.
 */

/** Members a request may read to repair kept days (≈ 15 MB of members, ≈ 4,000 strongly consistent read units). */
export const REPAIR_ITEMS_PER_REQUEST = 100_000;
/** Parallel day-set reads of a repair. */
const REPAIR_CONCURRENCY = 16;
/** The most members one Query asks for (≈ 150 KB): memory holds one page per day read side by side. */
const PAGE_ITEMS = 1_000;

/**
 * How long a request's repair may take pages (ms): well inside the request's work budget (22 s, lib/http/deadline.ts),
 * so that a slow repair saves its checkpoints and answers 503 itself rather than being cut off by the deadline.
 */
export const REPAIR_MS_PER_REQUEST = 10_000;

/** The members a request may still read for its repair, and until when (epoch ms) it may start a page. */
export interface RepairBudget {
  items: number;
  until?: number;
}

export function repairBudgetFromEnv(env: NodeJS.ProcessEnv = process.env, now = Date.now()): RepairBudget {
  const items = Number(env.HOUR_REPAIR_ITEMS);
  return {
    items: Number.isInteger(items) && items > 0 ? items : REPAIR_ITEMS_PER_REQUEST,
    until: now + REPAIR_MS_PER_REQUEST,
  };
}

/** Some old day's counts could not be derived within the request's budget: its retry goes on from where it stopped. */
export class HoursBeingDerived extends Error {
  override name = "HoursBeingDerived";
  constructor() {
    super("the hour counts of some old days are being derived from their members: retry");
  }
}

export interface DayToRepair {
  day: string;
  generation: number;
  /** Whether its counts may be kept (a day old enough, hourSources.ts `sourceOfDay`). */
  keep: boolean;
  /** Its derived item, if any (where an earlier request may have left a checkpoint). */
  derived?: Record<string, unknown>;
}

/** The counts of `days` from their members; throws HoursBeingDerived (after saving checkpoints) if some are left. */
export async function repairDays(
  store: Store,
  environmentId: string,
  days: readonly DayToRepair[],
  budget: RepairBudget,
): Promise<DayHourCounts[]> {
  const pages = new PageBudget(budget);
  const counts = await mapLimit(days, REPAIR_CONCURRENCY, (day) => repairDay(store, environmentId, day, pages));
  if (counts.some((c) => c === undefined)) throw new HoursBeingDerived();
  return counts as DayHourCounts[];
}

/**
 * The request's budget shared by the days read side by side: each page's share is taken before its call (so that
 * together they never read more than the budget) and what it did not use is given back. A day finding the budget
 * taken waits for the pages in flight rather than giving up while most of it is merely reserved.
 */
class PageBudget {
  private items: number;
  private readonly until: number | undefined;
  private inFlight = 0;
  private waiting: (() => void)[] = [];

  constructor(budget: RepairBudget) {
    this.items = budget.items;
    this.until = budget.until;
  }

  /** The members the next page may ask for; 0 when the budget is spent or the time is up. */
  async take(): Promise<number> {
    for (;;) {
      if (this.until !== undefined && Date.now() >= this.until) return 0;
      if (this.items > 0) {
        const limit = Math.min(PAGE_ITEMS, this.items);
        this.items -= limit;
        this.inFlight++;
        return limit;
      }
      if (this.inFlight === 0) return 0;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** A page answered (or failed): what it did not read goes back, and the days waiting look again. */
  giveBack(unused: number): void {
    this.items += unused;
    this.inFlight--;
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/**
 * One day: its members read (strongly consistent, after its generation) from its checkpoint on, page by page while
 * the budget lasts (a day not kept: all of them). Complete: its counts, kept as its derived item if `keep`.
 * Unfinished: undefined, its checkpoint saved.
 */
async function repairDay(
  store: Store,
  environmentId: string,
  { day, generation, keep, derived }: DayToRepair,
  budget: PageBudget,
): Promise<DayHourCounts | undefined> {
  const resumed = keep ? checkpointOf(day, derived, generation) : undefined;
  let counts: DayHourCounts = resumed?.counts ?? { day, hours: new Map(), groups: new Map() };
  let after: string | undefined = resumed?.after;
  const pk = keys.activitySetPk(environmentId, "active_users", "day", day);
  for (;;) {
    const limit = keep ? await budget.take() : PAGE_ITEMS;
    if (limit <= 0) {
      // Saved only if this request got further than the checkpoint it resumed from.
      if (after !== undefined && after !== resumed?.after)
        await saveCheckpoint(store, environmentId, { generation, after, counts });
      return undefined;
    }
    let items: Record<string, unknown>[] = [];
    let next: Record<string, unknown> | undefined;
    try {
      const page = await store.doc.send(
        new QueryCommand({
          TableName: store.tables.activity,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ConsistentRead: true,
          Limit: limit,
          ...(after !== undefined ? { ExclusiveStartKey: { pk, sk: after } } : {}),
        }),
      );
      items = page.Items ?? [];
      next = page.LastEvaluatedKey;
    } finally {
      // Answered or failed, the page's unread share goes back (and the days waiting for it look again).
      if (keep) budget.giveBack(limit - items.length);
    }
    counts = addCounts(counts, countsOfMembers(day, items));
    if (!next) break;
    after = next.sk as string;
  }
  if (keep) await keepDerived(store, environmentId, counts, generation);
  return counts;
}

/** The derived item of a complete derivation (its Put drops any checkpoint), unless one of its generation or later is. */
async function keepDerived(store: Store, environmentId: string, counts: DayHourCounts, generation: number) {
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.activity,
        Item: {
          ...keys.derivedHourCounts(environmentId, counts.day),
          ...countAttributes(counts),
          derived_gen: generation,
        },
        // A checkpoint alone (no `derived_gen` yet) is replaced as well.
        ConditionExpression: "attribute_not_exists(derived_gen) OR derived_gen < :generation",
        ExpressionAttributeValues: { ":generation": generation },
      }),
    );
  } catch (error) {
    // A reader that read a later generation kept its counts already: ours are as good for this answer.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * A checkpoint on the day's derived item (its counts, if any, stay for nothing: the generation moved past them),
 * unless the item holds a further one of the same generation, one of a later generation, or complete counts of it.
 */
async function saveCheckpoint(store: Store, environmentId: string, checkpoint: DerivationCheckpoint) {
  const { generation, after, counts } = checkpoint;
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.activity,
        Key: keys.derivedHourCounts(environmentId, counts.day),
        UpdateExpression: "SET part_gen = :generation, part_after = :after, part_counts = :counts",
        ConditionExpression:
          "(attribute_not_exists(derived_gen) OR derived_gen < :generation) AND " +
          "(attribute_not_exists(part_gen) OR part_gen < :generation OR (part_gen = :generation AND part_after < :after))",
        ExpressionAttributeValues: { ":generation": generation, ":after": after, ":counts": countAttributes(counts) },
      }),
    );
  } catch (error) {
    // Another reader got further (or finished): the next request resumes from its checkpoint.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
