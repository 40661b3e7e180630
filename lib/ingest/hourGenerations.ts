import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import { keys } from "../storage/tableDesign.js";
import { DAY_MS, dayOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { ActivityPoint } from "./applyEvents.js";
import type { HourBounds } from "./hourBounds.js";

/**
 * Clock hours of old days (issue 21's budget). The per-day hour counts `HC` move in the user's transaction only for
 * *live* days: today and yesterday (UTC) at the ingesting request's `now` (activeHours.ts). For an older day the day
 * set members are the truth (each holds the user's first / last instant per clock hour, hourBounds.ts, written before
 * anything else): ingestion moves no counter, and instead, after the members, bumps the day's *generation*: one
 * attribute `dDD` per day of a month item (`HCGEN`, tableDesign.ts), one plain ADD per (request, month) with every
 * old day of that month whose members the request may have given a new clock hour. A reader that finds a day's
 * generation above the one its derived counts were computed at recomputes them from the members (lib/dashboard/
 * storage.ts). A bump means only "recompute": an extra one (a retry, a concurrent delivery) costs a recompute, never
 * a wrong count; what must never happen is a member gaining an hour with no bump after it.
 *
 * Which days are bumped (`daysToBump`): the days on which a user member, as writeActivity.ts read it before writing,
 * lacked a clock hour of the batch, or held a bound equal to one of the batch's instants in that hour (an earlier
 * attempt of the same batch, or a concurrent delivery of it, may have opened the hour and died before its bump); and
 * every old day with user activity when the delivery resumes a batch an earlier or concurrent delivery began, or
 * applies events without `event_id` (nothing tells their retry from a first delivery). A request whose events open
 * no new user-hour, delivered once, writes no generation.
 *
 * A first delivery can't always tell from its members alone: a concurrent delivery of the same batch may have
 * opened an hour and died before its bump, and a third batch moved both of that hour's bounds before this one read
 * the member. So a resuming delivery marks the batches it resumes before writing any member (claims.ts
 * `markResumed`: one small Put, only on a resume), and a first delivery whose user activity has old days it would
 * not bump reads that mark after writing its own members (one GetItem): marked, it bumps every old day of its user
 * activity, as a resuming delivery does. The mark precedes the other delivery's members, which precede this one's
 * read of them, which precedes this one's read of the mark (test/ingest/resumedBatchBump.test.ts).
 */

/** The first day that is live for a request at `now` (yesterday, UTC): its hour counts move transactionally. */
export const firstLiveDay = (now: number) => dayOf(now - DAY_MS);

/**
 * The first day a user's hour calendar keeps at `now` (the day before yesterday): the live window plus one day, so a
 * Lambda whose clock is behind by less than a day still finds the hours of what it sees as live in the calendar.
 */
export const firstCalendarDay = (now: number) => dayOf(now - 2 * DAY_MS);

/**
 * The first day a reader at `now` never derives (today − 2): a day it derives is older than the live window of any
 * Lambda whose clock is less than a day ahead of it, so no live ADD lands on it afterwards.
 */
export const firstUnderivedDay = (now: number) => dayOf(now - 2 * DAY_MS);

/** The generation attribute of a day on its month's item: `d` and the day of the month. */
export const generationAttribute = (day: string) => `d${day.slice(8, 10)}`;

/** The day an attribute of month `month`'s generation item names, if it is one. */
export const dayOfGenerationAttribute = (month: string, attribute: string) =>
  /^d\d\d$/.test(attribute) ? `${month}-${attribute.slice(1)}` : undefined;

/**
 * Whether writing `batch` (a member's activity per clock hour) over `stored` (the member as read) may give the
 * member a clock hour no bump has covered: an hour it lacks, or one whose stored first or last instant is one of the
 * batch's own (an earlier attempt of the batch may have opened it).
 */
export function mayOpenHour(batch: HourBounds, stored: HourBounds): boolean {
  for (const [hour, b] of batch) {
    const s = stored.get(hour);
    if (!s || s.min === b.min || s.max === b.max) return true;
  }
  return false;
}

/** The days whose generation a delivery bumps (see above), old days only, sorted. */
export function daysToBump(options: {
  /** Days on which writeActivitySets found that a user member may have gained an hour. */
  opened: Iterable<string>;
  activity: readonly ActivityPoint[];
  /** The delivery resumes a batch begun by another (or applies events without `event_id`). */
  resumes: boolean;
  now: number;
}): string[] {
  const days = new Set(options.opened);
  if (options.resumes) for (const a of options.activity) if (a.kind === "user") days.add(dayOf(a.at));
  const live = firstLiveDay(options.now);
  return [...days].filter((day) => day < live).sort();
}

/** One ADD per month: the month and the attributes of its days, each +1. */
export interface GenerationBump {
  month: string;
  attributes: string[];
}

/** The per-month ADDs that bump `days` (the request's aggregate: one write per month, whatever its events). */
export function generationBumps(days: Iterable<string>): GenerationBump[] {
  const months = new Map<string, Set<string>>();
  for (const day of days) {
    const month = day.slice(0, 7);
    months.set(month, (months.get(month) ?? new Set()).add(generationAttribute(day)));
  }
  return [...months]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([month, attributes]) => ({ month, attributes: [...attributes].sort() }));
}

const CONCURRENCY = 8;

/** Writes the bumps: one plain UpdateCommand ADD each (1 write unit: ≤ 31 small numbers). */
export async function bumpGenerations(store: Store, e: string, bumps: GenerationBump[]): Promise<void> {
  await mapLimit(bumps, CONCURRENCY, async ({ month, attributes }) => {
    const names = Object.fromEntries(attributes.map((a, i) => [`#d${i}`, a]));
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.activity,
        Key: keys.hourGenerations(e, month),
        UpdateExpression: `ADD ${attributes.map((_, i) => `#d${i} :one`).join(", ")}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
  });
}
