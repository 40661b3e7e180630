import { type HttpRequest, type HttpResponse, json } from "../http/types.js";
import { storeFromEnv } from "../storage/client.js";
import { mapLimit } from "../util/mapLimit.js";
import { authorizeDashboard, parsePeriodQuery } from "./request.js";
import { activeUsersBody, newUsersBody, newUsersReadRange } from "./responses.js";
import { activeUserIdsOfDay, dayCounters } from "./storage.js";

/** The engagement-dashboard routes (CONTRACT §4): auth, then `start`/`end`, then the reads. */

/** Parallel day-set reads per request: enough to hide latency, few enough not to throttle one partition set. */
const SET_READ_CONCURRENCY = 16;

export async function activeUsersRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeDashboard(store, request);
  const period = parsePeriodQuery(request.query);
  if (period.days === 0) return json(200, activeUsersBody([]));
  const counters = await dayCounters(store, environmentId, "active_users", period.startDay, period.endDay);
  const days = counters.filter((c) => c.count > 0).map((c) => c.day);
  const active = await mapLimit(days, SET_READ_CONCURRENCY, async (day) => ({
    day,
    userIds: await activeUserIdsOfDay(store, environmentId, day),
  }));
  return json(200, activeUsersBody(active));
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
