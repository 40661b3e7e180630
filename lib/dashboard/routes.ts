import { familyErrors } from "../http/familyErrors.js";
import { HttpError, type HttpRequest, type HttpResponse, json, type RouteResponse } from "../http/types.js";
import { storeFromEnv } from "../storage/client.js";
import { dayOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { activeUsersJson, MAX_ACTIVE_USER_DAYS } from "./activeUsersJson.js";
import { repairBudgetFromEnv } from "./hourRepair.js";
import {
  hourlyDataBody,
  hourlyDataBodyFromCounts,
  hourlyDataDays,
  hourlyDataFromCounters,
  MAX_HOUR_ENTRIES,
  MAX_HOUR_USER_DAYS,
  usersByHourBody,
  weeklyDataBody,
  weeklyDataDays,
} from "./hours.js";
import { authorizeDashboard, parseInstantsQuery, parsePeriodQuery, parseStartQuery } from "./request.js";
import { activeUsersBody, newUsersBody, newUsersReadRange } from "./responses.js";
import { activeUserHoursOfDay, activeUserIdsOfDay, dayCounters, hourCountsOfDays, TooManyHours } from "./storage.js";

/** The engagement-dashboard routes (CONTRACT §4, §10): auth, then `start`/`end`, then the reads. */

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

/**
 * The day sets of the days with a non-zero counter between `fromDay` and `toDay` (hourly-data: ≤ 2), with their
 * members' hours.
 */
async function dayHours(store: ReturnType<typeof storeFromEnv>, environmentId: string, fromDay: string, toDay: string) {
  const days = (await dayCounters(store, environmentId, "active_users", fromDay, toDay)).filter((c) => c.count > 0);
  if (days.reduce((sum, c) => sum + c.count, 0) > MAX_HOUR_USER_DAYS) {
    throw new HttpError(400, familyErrors.dashboard.responseTooLarge);
  }
  return mapLimit(days, SET_READ_CONCURRENCY, (c) => activeUserHoursOfDay(store, environmentId, c.day));
}

/** Distinct active users per clock hour from `start`'s hour through `end`'s (CONTRACT §10). */
export async function usersByTimeOfDayRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeDashboard(store, request);
  const { start, end } = parseInstantsQuery(request.query);
  // Nothing is stored before 1970 (ingestion refuses it), and days before year 0 have no `YYYY-MM-DD` name.
  const from = Math.max(start, 0);
  if (from > end) return json(200, usersByHourBody([], start, end));
  try {
    const days = await hourCountsOfDays(
      store,
      environmentId,
      dayOf(from),
      dayOf(end),
      MAX_HOUR_ENTRIES,
      Date.now(),
      repairBudgetFromEnv(),
    );
    return json(200, usersByHourBody(days, start, end));
  } catch (error) {
    if (error instanceof TooManyHours) throw new HttpError(400, familyErrors.dashboard.responseTooLarge);
    throw error;
  }
}

/** Distinct active users of the 24 hours before `start`, per two clock hours of the day (CONTRACT §10). */
export async function hourlyDataRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeDashboard(store, request);
  const start = parseStartQuery(request.query);
  const days = hourlyDataDays(start);
  if (days.length === 0) return json(200, hourlyDataBody([], start));
  const [first, last] = [days[0] as string, days.at(-1) as string];
  // On an even hour every group is whole within one day: its counter. Else one group compares ids (hours.ts).
  if (hourlyDataFromCounters(start)) {
    return json(
      200,
      hourlyDataBodyFromCounts(
        await hourCountsOfDays(store, environmentId, first, last, undefined, Date.now(), repairBudgetFromEnv()),
        start,
      ),
    );
  }
  return json(200, hourlyDataBody(await dayHours(store, environmentId, first, last), start));
}

/** Distinct active users of each of the 8 days through `start`'s (CONTRACT §10): the day counters alone. */
export async function weeklyDataRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeDashboard(store, request);
  const start = parseStartQuery(request.query);
  const days = weeklyDataDays(start).filter((at) => at >= 0);
  const counts =
    days.length > 0
      ? await dayCounters(store, environmentId, "active_users", dayOf(days[0] as number), dayOf(days.at(-1) as number))
      : [];
  return json(200, weeklyDataBody(new Map(counts.map((c) => [c.day, c.count])), start));
}

export const dashboardRoutes = {
  "GET /api/v1/engagement-dashboard/users/active-users": activeUsersRoute,
  "GET /api/v1/engagement-dashboard/users/new-users": newUsersRoute,
  "GET /api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week": usersByTimeOfDayRoute,
  "GET /api/v1/engagement-dashboard/users/chat-busier/hourly-data": hourlyDataRoute,
  "GET /api/v1/engagement-dashboard/users/chat-busier/weekly-data": weeklyDataRoute,
};
