import { DASHBOARD_PERMISSION, verifyUserToken } from "../auth/credentials.js";
import { parseParams } from "../http/params.js";
import type { HttpRequest } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { invalidField, lacksPermission, notLoggedIn } from "./errors.js";
import { type DayPeriod, periodOf } from "./period.js";
import { periodQuerySchema, startQuerySchema } from "./schemas.js";

/** The environment of the dashboard user's token; 401 without a valid token, 403 without the permission. */
export async function authorizeDashboard(store: Store, request: HttpRequest): Promise<string> {
  const principal = await verifyUserToken(store, request.headers["x-user-id"], request.headers["x-auth-token"]);
  if (!principal) throw notLoggedIn();
  if (!principal.permissions.includes(DASHBOARD_PERMISSION)) throw lacksPermission();
  return principal.environmentId;
}

/** The period of `start` and `end`, checked in that order (the first bad one is the one reported). */
export function parsePeriodQuery(query: Record<string, string | undefined>): DayPeriod {
  const { start, end } = parseInstantsQuery(query);
  return periodOf(start, end);
}

/** `start` and `end` as instants (ms), checked in that order. */
export function parseInstantsQuery(query: Record<string, string | undefined>): { start: number; end: number } {
  return parseParams(periodQuerySchema, query, (issue) => invalidField(issue.path[0] === "start" ? "start" : "end"));
}

/** `start` alone as an instant (ms): the chat-busier routes take no `end`. */
export function parseStartQuery(query: Record<string, string | undefined>): number {
  return parseParams(startQuerySchema, query, () => invalidField("start")).start;
}
