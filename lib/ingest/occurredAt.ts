import { MAX_FUTURE_MS } from "./schema.js";

// ISO 8601 calendar date, optionally with a time and a zone; without a zone the instant is taken as UTC
// (CONTRACT §0: all instants are UTC).
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const MAX_UNIX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

/** `occurred_at` as epoch ms, or an error message. Missing means "time received". */
export function parseOccurredAt(value: unknown, nowMs: number): number | { error: string } {
  let ms: number;
  if (value === undefined || value === null) return nowMs;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > MAX_UNIX_SECONDS) {
      return { error: "must be an ISO 8601 string or a non-negative integer of unix seconds" };
    }
    ms = value * 1000;
  } else if (typeof value === "string") {
    const match = ISO_8601.exec(value);
    if (!match) return { error: "must be an ISO 8601 string or a non-negative integer of unix seconds" };
    const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone = "Z"] = match;
    const normalizedZone =
      zone.toUpperCase() === "Z"
        ? "Z"
        : zone.length === 3
          ? `${zone}:00`
          : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
    const millis = `${frac}000`.slice(0, 3);
    ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}${normalizedZone}`);
    // Date.parse rolls 2023-02-30 over to March; a real calendar date must round-trip.
    const dayCheck = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (Number.isNaN(ms) || dayCheck.getUTCDate() !== Number(d) || dayCheck.getUTCMonth() !== Number(mo) - 1) {
      return { error: "is not a valid date and time" };
    }
    if (ms < 0) return { error: "must not be before 1970-01-01T00:00:00Z" };
  } else {
    return { error: "must be an ISO 8601 string or a non-negative integer of unix seconds" };
  }
  if (ms > nowMs + MAX_FUTURE_MS) return { error: "must not be more than 5 minutes in the future" };
  return ms;
}
