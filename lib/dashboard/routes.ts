import { familyErrors } from "../http/familyErrors.js";
import { HttpError, type HttpRequest, type HttpResponse, json, type RouteResponse } from "../http/types.js";
import { storeFromEnv } from "../storage/client.js";
import { activeUsersJson, MAX_ACTIVE_USER_DAYS } from "./activeUsersJson.js";
import { authorizeDashboard, parsePeriodQuery } from "./request.js";
import { activeUsersBody, newUsersBody, newUsersReadRange } from "./responses.js";
import { activeUserIdsOfDay, dayCounters } from "./storage.js";

/** The engagement-dashboard routes (CONTRACT §4): auth, then `start`/`end`, then the reads. */

/** Parallel day-set reads per request: enough to hide latency, few enough not to throttle one partition set. */
const SET_READ_CONCURRENCY = 16;

/**
 * Ids read ahead of the one being written (activeUsersJson): ~20 MB of JS strings for UUID ids, so a 512 MB
 * function streams any period, while typical days (well under it) are still read 16 at a time.
 */
const MAX_IDS_READ_AHEAD = 200_000;

/**
 * The answer streams: the body is written day by day (newest first) while later days are read, so its size is bound
 * by the streamed response's limits rather than Lambda's 6 MB buffered one or the function's memory.
 */
export async function activeUsersRoute(request: HttpRequest): Promise<RouteResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeDashboard(store, request);
  const period = parsePeriodQuery(request.query);
  if (period.days === 0) return json(200, activeUsersBody([]));
  const counters = await dayCounters(store, environmentId, "active_users", period.startDay, period.endDay);
  const days = counters.filter((c) => c.count > 0);
  const userDays = days.reduce((sum, c) => sum + c.count, 0);
  if (userDays > MAX_ACTIVE_USER_DAYS) throw new HttpError(400, familyErrors.dashboard.responseTooLarge);
  return {
    statusCode: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: activeUsersJson({
      days,
      read: (day) => activeUserIdsOfDay(store, environmentId, day),
      concurrency: SET_READ_CONCURRENCY,
      maxIdsAhead: MAX_IDS_READ_AHEAD,
    }),
  };
}

export async function newUsersRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeDashboard(store, request);
  const period = parsePeriodQuery(request.query);
  const { fromDay, toDay } = newUsersReadRange(period);
  const counts = await dayCounters(store, environmentId, "signups", fromDay, toDay);
  return json(200, newUsersBody(counts, period));
}

export const dashboardRoutes = {
  "GET /api/v1/engagement-dashboard/users/active-users": activeUsersRoute,
  "GET /api/v1/engagement-dashboard/users/new-users": newUsersRoute,
};
