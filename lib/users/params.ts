import { parseParams } from "../http/params.js";
import { usersError } from "./errors.js";
import { activeUsersQuerySchema, DEFAULT_LIMIT, listUsersQuerySchema } from "./schemas.js";

/** Query parameters of the users family (CONTRACT §0, §5), parsed by their zod schemas; a bad one is a 400 naming it. */

export { DEFAULT_LIMIT, MAX_DAYS, MAX_LIMIT } from "./schemas.js";

export type Cursor = { direction: "after" | "before"; userId: string };

export interface ListQuery {
  limit: number;
  cursor?: Cursor;
}

const badRequest = (issue: { message: string }) => usersError(400, issue.message);

export function parseListQuery(query: Record<string, string | undefined>): ListQuery {
  const { limit = DEFAULT_LIMIT, after, before } = parseParams(listUsersQuerySchema, query, badRequest);
  if (after !== undefined) return { limit, cursor: { direction: "after", userId: after } };
  if (before !== undefined) return { limit, cursor: { direction: "before", userId: before } };
  return { limit };
}

/** `days` of usage statistics: undefined when absent (count every existing user). */
export function parseDays(value: string | undefined): number | undefined {
  return parseParams(activeUsersQuerySchema, { days: value }, badRequest).days;
}

/** The message of a cursor naming no current user of the environment. */
export function unknownCursor(cursor: Cursor) {
  return usersError(400, `Invalid ${cursor.direction}: no user with id ${JSON.stringify(cursor.userId)}`);
}
