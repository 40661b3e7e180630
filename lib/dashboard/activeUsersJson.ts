import { dayParts } from "./period.js";
import type { DayCount } from "./responses.js";

/**
 * The active-users body (CONTRACT §4) written piece by piece, so a big answer is streamed while the day sets are still
 * being read instead of held whole: the text is exactly `JSON.stringify(activeUsersBody(days))` (test/dashboard/
 * activeUsersJson.test.ts checks it). Pure but for the injected reader.
 *
 * | piece                  | when                                      | memory held                                  |
 * |------------------------|-------------------------------------------|----------------------------------------------|
 * | `{"month":[`           | first, before any read                    | —                                            |
 * | one day's entry        | days newest first, each once it is read   | the ids of the days read ahead (see below)   |
 * | `],"success":true}`    | last                                      | —                                            |
 *
 * Read-ahead: days are read concurrently, up to `concurrency` at once and up to `maxIdsAhead` ids (from the day
 * counters, known before reading) in flight or waiting to be written — at least one day — so memory is bounded by
 * the largest day, not by the period, while a run of small days still hides the read latency.
 */

/**
 * The most user-days an active-users answer may hold (from the day counters, before any set is read): 4M UUID ids
 * are ~156 MB of JSON, under the 200 MB a streamed Lambda response may carry; a longer period is refused (400).
 */
export const MAX_ACTIVE_USER_DAYS = 4_000_000;

/** Ids per piece of a day's `usersList`: keeps each chunk of the stream near 40 KB for UUID ids. */
const IDS_PER_PIECE = 1000;

export interface ActiveUsersReadPlan {
  /** Days with a non-zero counter, any order; the count bounds the read-ahead. */
  days: DayCount[];
  /** The user ids active on a day (any order, distinct). */
  read: (day: string) => Promise<string[]>;
  concurrency: number;
  maxIdsAhead: number;
}

/** One day's entry, in the key order of activeUsersBody; none for a day whose set is empty. */
export function* activeDayJson(day: string, userIds: readonly string[]): Generator<string> {
  if (userIds.length === 0) return;
  for (let i = 0; i < userIds.length; i += IDS_PER_PIECE) {
    const ids = userIds
      .slice(i, i + IDS_PER_PIECE)
      .map((id) => JSON.stringify(id))
      .join(",");
    yield `${i === 0 ? '{"usersList":[' : ","}${ids}`;
  }
  const { day: d, month, year } = dayParts(day);
  yield `],"users":${userIds.length},"day":${d},"month":${month},"year":${year}}`;
}

/** The whole body as a sequence of strings; a read that fails fails the iteration at that point. */
export async function* activeUsersJson(plan: ActiveUsersReadPlan): AsyncGenerator<string> {
  const days = [...plan.days].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  const pending: { count: number; ids: Promise<string[]> }[] = [];
  let next = 0;
  let idsAhead = 0;
  const fill = () => {
    while (next < days.length && pending.length < plan.concurrency) {
      const day = days[next] as DayCount;
      if (pending.length > 0 && idsAhead + day.count > plan.maxIdsAhead) break;
      const ids = plan.read(day.day);
      // Read ahead of the writer: a rejection is seen when its turn comes, not as an unhandled one meanwhile.
      ids.catch(() => {});
      pending.push({ count: day.count, ids });
      idsAhead += day.count;
      next++;
    }
  };
  yield '{"month":[';
  let first = true;
  let index = 0;
  fill();
  while (pending.length > 0) {
    const head = pending.shift() as { count: number; ids: Promise<string[]> };
    const ids = await head.ids;
    idsAhead -= head.count;
    const day = days[index++] as DayCount;
    fill();
    let opened = false;
    for (const piece of activeDayJson(day.day, ids)) {
      yield !opened && !first ? `,${piece}` : piece;
      opened = true;
    }
    if (opened) first = false;
  }
  yield '],"success":true}';
}
