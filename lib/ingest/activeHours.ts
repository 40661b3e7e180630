import { DAY_MS, dayOf, dayStart, HOUR_MS, startOfDay } from "../time.js";
import { firstCalendarDay, firstLiveDay } from "./hourGenerations.js";

/**
 * The clock hours a user was active in on the *live* days (today and yesterday, UTC, at the ingesting request's
 * `now`; hourGenerations.ts), kept on its own item beside its calendar of days (activeDays.ts): per UTC year, one
 * 5-byte record per active day of it (day of the year, 2 bytes; a 24-bit mask of its hours, 3 bytes), sorted by day,
 * base64. What it is for: the per-day hour counters of live days (`HC`, tableDesign.ts: distinct users per clock
 * hour and per two-hour group of the day) move by the difference between this calendar before a batch and after it,
 * in the same transaction as the user's versioned write (writeEntities.ts), so they are exact the way the day counts
 * are: a retry recomputes the same difference from the same state before (the pre-image), a concurrent batch fails
 * the version check and recomputes from the state it left, and an activity in an hour the user already holds moves
 * nothing, in time order or not (a late event within the live window is no special case: the state says whether its
 * hour was counted).
 *
 * Why state and not "the hour is later than the last activity" alone: that rule is exact in time order, but a late
 * event (an hour before the user's latest) may or may not have been counted, and nothing written outside the
 * user's own transaction can say which (a day set member's hour bounds are written before it, by attempts that may
 * never land).
 *
 * Why only live days (issue 21's budget): an item per day moved in the user's transaction costs 2 units, and a
 * request carrying users' histories touches a different day for almost every new user-hour (≈ 1.7 units per event).
 * An activity on an older day moves no counter and leaves the calendar alone: that day's counts are recomputed by
 * readers from its day set members, which its generation (hourGenerations.ts) tells them to. Each write with live
 * activity drops the days before the day before yesterday (`calendarFrom`: the live window plus a day, for clocks
 * that differ by less than a day), so the calendar holds ≤ 3 records (≈ 20 base64 characters, twice with the
 * pre-image) instead of one per active day of the user's history.
 */

export type ActiveHours = Record<string, string>;

const RECORD = 5;
const yearOf = (ms: number) => new Date(ms).getUTCFullYear();
const yearStart = (year: number) => Date.UTC(year, 0, 1);

/** Day of the year (0-based) → its 24-bit hour mask, of one year's records. */
function decodeYear(text: string | undefined): Map<number, number> {
  const days = new Map<number, number>();
  if (text === undefined) return days;
  const bytes = Buffer.from(text, "base64");
  for (let i = 0; i + RECORD <= bytes.length; i += RECORD) days.set(bytes.readUInt16BE(i), bytes.readUIntBE(i + 2, 3));
  return days;
}

function encodeYear(days: Map<number, number>): string {
  const sorted = [...days].filter(([, mask]) => mask !== 0).sort(([a], [b]) => a - b);
  const bytes = Buffer.alloc(sorted.length * RECORD);
  sorted.forEach(([day, mask], i) => {
    bytes.writeUInt16BE(day, i * RECORD);
    bytes.writeUIntBE(mask, i * RECORD + 2, 3);
  });
  return bytes.toString("base64");
}

/** Day start (ms) → hour mask of the days of `instants`, as `hours` holds them. */
function masksOf(hours: ActiveHours | undefined, dayStarts: Iterable<number>): Map<number, number> {
  const years = new Map<number, Map<number, number>>();
  const masks = new Map<number, number>();
  for (const start of dayStarts) {
    const year = yearOf(start);
    let days = years.get(year);
    if (!days) {
      days = decodeYear(hours?.[String(year)]);
      years.set(year, days);
    }
    masks.set(start, days.get(Math.round((start - yearStart(year)) / DAY_MS)) ?? 0);
  }
  return masks;
}

const dayStartOf = startOfDay;
const hourOfDay = (ms: number) => Math.floor((ms - dayStartOf(ms)) / HOUR_MS);

/** Whether `hours` holds the clock hour of `ms`. */
export function hasHour(hours: ActiveHours | undefined, ms: number): boolean {
  const mask = masksOf(hours, [dayStartOf(ms)]).get(dayStartOf(ms)) ?? 0;
  return (mask & (1 << hourOfDay(ms))) !== 0;
}

/** `hours` with the clock hours of `instants` added: a new object, years ascending (it compares by JSON). */
export function withHours(hours: ActiveHours | undefined, instants: Iterable<number>): ActiveHours {
  const years = new Map<number, Map<number, number>>();
  for (const [year, text] of Object.entries(hours ?? {})) years.set(Number(year), decodeYear(text));
  for (const ms of instants) {
    const year = yearOf(ms);
    const days = years.get(year) ?? new Map<number, number>();
    const day = Math.round((dayStartOf(ms) - yearStart(year)) / DAY_MS);
    days.set(day, (days.get(day) ?? 0) | (1 << hourOfDay(ms)));
    years.set(year, days);
  }
  return Object.fromEntries(
    [...years.entries()].sort(([a], [b]) => a - b).map(([year, days]) => [String(year), encodeYear(days)]),
  );
}

/**
 * `hours` without the days before `fromDay` (`YYYY-MM-DD`): a new object, years ascending, a year left with no day
 * dropped (an empty calendar is `{}`).
 */
export function calendarFrom(hours: ActiveHours | undefined, fromDay: string): ActiveHours {
  const from = dayStart(fromDay);
  const out: [string, string][] = [];
  for (const [year, text] of Object.entries(hours ?? {}).sort(([a], [b]) => Number(a) - Number(b))) {
    const start = yearStart(Number(year));
    const kept = new Map([...decodeYear(text)].filter(([day]) => start + day * DAY_MS >= from));
    if (kept.size > 0) out.push([year, encodeYear(kept)]);
  }
  return Object.fromEntries(out);
}

/**
 * What a batch's activity `instants` (ms) does to a user's hour calendar at `now`: the hours it enters on live days
 * (today and yesterday: the hour counters `HC` of those days move by them, in the user's transaction), and the
 * calendar after, with those hours added and the days before the day before yesterday dropped (hourGenerations.ts:
 * older days' hours are counted from the day set members, so the calendar holds ≤ 3 days after any live activity).
 * An activity on an older day neither enters an hour nor touches the calendar.
 */
export function liveHourMoves(
  before: ActiveHours | undefined,
  instants: readonly number[],
  now: number,
): { entered: EnteredHours[]; hours: ActiveHours | undefined } {
  const liveFrom = dayStart(firstLiveDay(now));
  const live = instants.filter((ms) => ms >= liveFrom);
  // Without live activity the calendar is left as it is: trimming it alone would cost a user write by itself.
  if (live.length === 0) return { entered: [], hours: before };
  return { entered: enteredHours(before, live), hours: calendarFrom(withHours(before, live), firstCalendarDay(now)) };
}

/** The counter attribute of clock hour `hour` (0–23) of a day: distinct users active in it. */
export const hourCountAttribute = (hour: number) => `h${String(hour).padStart(2, "0")}`;
/** The counter attribute of the two-hour group starting at even hour `hour`: distinct users active in either. */
export const groupCountAttribute = (hour: number) => `g${String(hour - (hour % 2)).padStart(2, "0")}`;

/** What a batch's activity adds to the hour counters of one day: +1 per hour and per group the user enters. */
export interface EnteredHours {
  day: string;
  attributes: string[];
}

/**
 * The hours and two-hour groups a user enters between `before` (its calendar before the batch) and `before` plus
 * `instants`: per day, each hour of `instants` not in `before`, and each group of those hours in which `before`
 * has neither hour. Days in time order.
 */
export function enteredHours(before: ActiveHours | undefined, instants: Iterable<number>): EnteredHours[] {
  const added = new Map<number, number>();
  for (const ms of instants) added.set(dayStartOf(ms), (added.get(dayStartOf(ms)) ?? 0) | (1 << hourOfDay(ms)));
  const previous = masksOf(before, added.keys());
  const out: EnteredHours[] = [];
  for (const [start, mask] of [...added].sort(([a], [b]) => a - b)) {
    const old = previous.get(start) ?? 0;
    const fresh = mask & ~old;
    if (fresh === 0) continue;
    const attributes: string[] = [];
    for (let hour = 0; hour < 24; hour++) if (fresh & (1 << hour)) attributes.push(hourCountAttribute(hour));
    for (let hour = 0; hour < 24; hour += 2) {
      const group = 0b11 << hour;
      if ((fresh & group) !== 0 && (old & group) === 0) attributes.push(groupCountAttribute(hour));
    }
    out.push({ day: dayOf(start), attributes });
  }
  return out;
}
