import { parseIso8601 } from "../iso8601.js";
import { MAX_FUTURE_MS } from "./schema.js";

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
    // A bare date is its UTC midnight; a time without a zone is UTC (CONTRACT §0: all instants are UTC).
    const parsed = parseIso8601(value);
    if (parsed === undefined) return { error: "must be an ISO 8601 string or a non-negative integer of unix seconds" };
    ms = parsed;
    if (ms < 0) return { error: "must not be before 1970-01-01T00:00:00Z" };
  } else {
    return { error: "must be an ISO 8601 string or a non-negative integer of unix seconds" };
  }
  if (ms > nowMs + MAX_FUTURE_MS) return { error: "must not be more than 5 minutes in the future" };
  return ms;
}
