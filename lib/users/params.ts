import { idProblem } from "../validation/ids.js";
import { usersError } from "./errors.js";

/** Query parameters of the users family (CONTRACT §0, §5); a bad one is a 400 naming it. */

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;
export const MAX_DAYS = 366;

function boundedInteger(name: string, value: string, min: number, max: number): number {
  const n = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usersError(400, `Invalid ${name}: must be an integer from ${min} to ${max}`);
  }
  return n;
}

export type Cursor = { direction: "after" | "before"; userId: string };

export interface ListQuery {
  limit: number;
  cursor?: Cursor;
}

export function parseListQuery(query: Record<string, string | undefined>): ListQuery {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : boundedInteger("limit", query.limit, 1, MAX_LIMIT);
  const { after, before } = query;
  if (after !== undefined && before !== undefined) {
    throw usersError(400, "Invalid after/before: give at most one of after and before");
  }
  if (after !== undefined) return { limit, cursor: { direction: "after", userId: requireId("after", after) } };
  if (before !== undefined) return { limit, cursor: { direction: "before", userId: requireId("before", before) } };
  return { limit };
}

/** A cursor names a user, so it follows the id rule; the message does not echo an id that may be kilobytes long. */
function requireId(name: string, value: string): string {
  const problem = idProblem(value);
  if (problem) throw usersError(400, `Invalid ${name}: must be a user id (${problem})`);
  return value;
}

/** `days` of usage statistics: undefined when absent (count every existing user). */
export function parseDays(value: string | undefined): number | undefined {
  return value === undefined ? undefined : boundedInteger("days", value, 1, MAX_DAYS);
}

/** The message of a cursor naming no current user of the environment. */
export function unknownCursor(cursor: Cursor) {
  return usersError(400, `Invalid ${cursor.direction}: no user with id ${JSON.stringify(cursor.userId)}`);
}
