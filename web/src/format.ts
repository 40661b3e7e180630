import { viewerLocale as locale } from "./locale.js";

/** Display helpers. Instants are shown in the viewer's local time; chart and period days are UTC days. */

const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
const number = new Intl.NumberFormat(locale);

/** Unix seconds → local date and time. */
export const formatUnix = (seconds: number) => dateTime.format(new Date(seconds * 1000));
/** ISO instant → local date and time. */
export const formatIso = (iso: string) => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : dateTime.format(new Date(ms));
};
/** Unix seconds → local date. */
export const formatUnixDate = (seconds: number) => dateOnly.format(new Date(seconds * 1000));
export const formatNumber = (n: number) => number.format(n);
export const formatSigned = (n: number) => (n > 0 ? `+${number.format(n)}` : number.format(n));

/** `YYYY-MM-DD` of a UTC instant. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const DAY_MS = 86_400_000;

/** Today and `days − 1` days before it (UTC): a range of `days` days ending today. */
export function lastDays(days: number, now = Date.now()): { startDate: string; endDate: string } {
  return { startDate: utcDay(now - (days - 1) * DAY_MS), endDate: utcDay(now) };
}

/** Every `YYYY-MM-DD` from start to end inclusive (empty if start > end). */
export function daysBetween(startDate: string, endDate: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${endDate}T00:00:00Z`);
  for (let t = Date.parse(`${startDate}T00:00:00Z`); t <= end && out.length <= 3660; t += DAY_MS) out.push(utcDay(t));
  return out;
}
