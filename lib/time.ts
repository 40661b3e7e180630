/** UTC calendar helpers: days `YYYY-MM-DD`, ISO weeks (dated by their Monday), months `YYYY-MM`. */

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** `YYYY-MM-DDTHH` of the UTC hour holding `ms`. */
export function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** `YYYY-MM-DD` of the UTC day holding `ms`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-MM` of the UTC month holding `ms`. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Start (ms) of the UTC day holding `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Start (ms) of the ISO week (Monday 00:00 UTC) holding `ms`. */
export function startOfIsoWeek(ms: number): number {
  const day = startOfDay(ms);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY_MS;
}

/** Start (ms) of the UTC month holding `ms`. */
export function startOfMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The ISO week holding `ms`, named by its Monday (`YYYY-MM-DD`): sorts in time order across year ends. */
export function weekOf(ms: number): string {
  return dayOf(startOfIsoWeek(ms));
}

/** Milliseconds since epoch of a `YYYY-MM-DD` day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** Every day from `fromDay` to `toDay` inclusive. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const out: string[] = [];
  for (let t = dayStart(fromDay); t <= dayStart(toDay); t += DAY_MS) out.push(dayOf(t));
  return out;
}

export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** ISO week number (1–53) of the week holding `ms`: that of its Thursday in the Thursday's year. */
export function isoWeekNumber(ms: number): number {
  const thursday = startOfIsoWeek(ms) + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  return Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
}
