/**
 * `Retry-After` (RFC 9110 §10.2.3): how long the server asks a client to wait before retrying a 429 or a 503. It is
 * either whole seconds (`Retry-After: 1`) or an HTTP-date; both become seconds from `now`. A date in the past means
 * "now" (0); anything else (absent, negative, unparsable) is undefined, so callers fall back to their own backoff.
 */

const DELAY_SECONDS = /^\s*(\d+)\s*$/;

export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const seconds = DELAY_SECONDS.exec(value);
  if (seconds) return Number(seconds[1]);
  // Only the date forms Date.parse reads (IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`): a bare number with a
  // sign or a fraction is not a date, and Date.parse would read "1.5" as a day of 2001.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}
