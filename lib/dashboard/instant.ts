import { parseIso8601 } from "../iso8601.js";

/**
 * ISO 8601 instants as the dashboard accepts them (CONTRACT §4): a calendar date, a time of day and a zone, e.g.
 * `2023-10-05T14:48:00.000Z`, `2023-10-05T16:48:00+02:00`, `2023-10-05T14:48Z`. A bare date or a time without a
 * zone is not an instant (its UTC day would depend on the server's zone), so it is rejected.
 */
export function parseIsoInstant(value: string | undefined): number | undefined {
  return parseIso8601(value, { requireTime: true, requireZone: true, requireT: true });
}
