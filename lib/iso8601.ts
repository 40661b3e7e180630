/**
 * The one ISO 8601 parser of the service. Strict about the calendar (no Feb 30, hour 24 or leap second that
 * `Date.parse` would silently "repair"); each caller says which shortened forms it accepts:
 *  - ingestion's `occurred_at` and chart dates take a bare date (its UTC midnight) and a time without a zone (UTC,
 *    CONTRACT §0);
 *  - the dashboard's `start`/`end` demand a full instant with a zone, since a day depends on it.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

export interface Iso8601Options {
  /** A bare `YYYY-MM-DD` is rejected (default: accepted as its UTC midnight). */
  requireTime?: boolean;
  /** A time without `Z` or an offset is rejected (default: taken as UTC). */
  requireZone?: boolean;
  /** A space between date and time is rejected (default: accepted, as RFC 3339 allows). */
  requireT?: boolean;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** Epoch milliseconds (sub-millisecond digits truncated), or undefined when `value` is not of an accepted form. */
export function parseIso8601(value: string | undefined, options: Iso8601Options = {}): number | undefined {
  if (value === undefined) return undefined;
  const m = ISO_8601.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, separator, h, mi, s, fraction, zulu, sign, offsetH, offsetM] = m;
  if (separator === undefined && options.requireTime) return undefined;
  if (separator === " " && options.requireT) return undefined;
  if (separator !== undefined && zulu === undefined && sign === undefined && options.requireZone) return undefined;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = [Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const [hours, minutes] = [Number(offsetH), Number(offsetM ?? 0)];
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((fraction ?? "").slice(0, 3).padEnd(3, "0")));
  return date.getTime() - offsetMinutes * 60_000;
}
