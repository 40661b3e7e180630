import { type HttpRequest, type HttpResponse, json } from "../http/types.js";
import { storeFromEnv } from "../storage/client.js";
import { getCurrentUser, type StoredUser } from "../storage/currentUser.js";
import { DAY_MS } from "../time.js";
import { authorizeUsersApi } from "./auth.js";
import { usersError } from "./errors.js";
import { type PageDirection, pageFromRows, paginationOf } from "./pagination.js";
import { parseDays, parseListQuery, unknownCursor } from "./params.js";
import { countUsersActiveSince, currentUserCount, readSignupIndex, signupSortKey } from "./storage.js";
import { toUserObject } from "./userObject.js";

/** The users and usage-statistics routes (CONTRACT §5): auth, parameters, then the reads. */

export async function listUsersRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeUsersApi(store, request);
  const { limit, cursor } = parseListQuery(request.query);
  let direction: PageDirection = "first";
  let rows: StoredUser[];
  if (!cursor) rows = await readSignupIndex(store, environmentId, { forward: true }, limit + 1);
  else {
    const anchor = await getCurrentUser(store, environmentId, cursor.userId);
    if (!anchor) throw unknownCursor(cursor);
    const sk = signupSortKey(environmentId, anchor);
    direction = cursor.direction;
    rows =
      cursor.direction === "after"
        ? await readSignupIndex(store, environmentId, { forward: true, afterSk: sk }, limit + 1)
        : await readSignupIndex(store, environmentId, { forward: false, beforeSk: sk }, limit + 1);
  }
  const page = pageFromRows(direction, rows, limit);
  return json(200, {
    status: "ok",
    data: page.items.map(toUserObject),
    pagination: paginationOf(page, limit, (user) => user.user_id),
  });
}

export async function getUserRoute(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeUsersApi(store, request);
  const userId = request.pathParameters.userId;
  // getCurrentUser answers an id that can't be stored (too long, control characters) as unknown: 404, not 500.
  const user = userId ? await getCurrentUser(store, environmentId, userId) : undefined;
  if (!user) throw usersError(404, "User not found");
  return json(200, { status: "ok", data: [toUserObject(user)] });
}

export async function activeUsersStatisticsRoute(request: HttpRequest, now = Date.now()): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeUsersApi(store, request);
  const days = parseDays(request.query.days);
  const activeUsers =
    days === undefined
      ? await currentUserCount(store, environmentId)
      : await countUsersActiveSince(store, environmentId, now - days * DAY_MS);
  return json(200, { status: "ok", data: { activeUsers } });
}

export const usersRoutes = {
  "GET /api/v2/users": listUsersRoute,
  "GET /api/v2/users/{userId}": getUserRoute,
  "GET /api/v2/usage-statistics/active-users": (request: HttpRequest) => activeUsersStatisticsRoute(request),
};
