import { DASHBOARD_PERMISSION, verifyUserToken } from "../auth/credentials.js";
import type { HttpRequest } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { invalidField, lacksPermission, notLoggedIn } from "./errors.js";
import { parseIsoInstant } from "./instant.js";
import { type DayPeriod, periodOf } from "./period.js";

/** The environment of the dashboard user's token; 401 without a valid token, 403 without the permission. */
export async function authorizeDashboard(store: Store, request: HttpRequest): Promise<string> {
  const principal = await verifyUserToken(store, request.headers["x-user-id"], request.headers["x-auth-token"]);
  if (!principal) throw notLoggedIn();
  if (!principal.permissions.includes(DASHBOARD_PERMISSION)) throw lacksPermission();
  return principal.environmentId;
}

/** The period of `start` and `end`, checked in that order (the first bad one is the one reported). */
export function parsePeriodQuery(query: Record<string, string | undefined>): DayPeriod {
  const start = parseIsoInstant(query.start);
  if (start === undefined) throw invalidField("start");
  const end = parseIsoInstant(query.end);
  if (end === undefined) throw invalidField("end");
  return periodOf(start, end);
}
