/**
 * The dashboard's one way to the service: typed calls of the public API (CONTRACT §4–§6), nothing else. Views
 * import only this module, so it can be swapped for the SDK (sdk/, built from the OpenAPI document) without
 * touching them. Response types are the server's own (type-only imports from lib/: they vanish from the bundle).
 *
 * | call                      | route                                                    | credentials           |
 * |---------------------------|----------------------------------------------------------|-----------------------|
 * | verifySession             | chart_metric/signups (1 day) + usage-statistics          | API key + environment |
 * | fetchChartMetric          | GET /api/backend/v1/chart_metric/{metric}                | API key               |
 * | fetchReport               | GET /api/backend/v1/{user_report,org_report}/{name}      | API key               |
 * | fetchSignupParameters     | GET /api/backend/v1/user/{id}/signup_query_parameters    | API key               |
 * | listUsers / fetchUser     | GET /api/v2/users, /api/v2/users/{id}                    | API key + environment |
 * | fetchActiveUserCount      | GET /api/v2/usage-statistics/active-users[?days=N]       | API key + environment |
 * | fetchActiveUsersByDay     | GET /api/v1/engagement-dashboard/users/active-users      | user id + token       |
 * | fetchNewUsers             | GET /api/v1/engagement-dashboard/users/new-users         | user id + token       |
 *
 * Why: same-origin relative URLs (the local server and CloudFront both serve the API beside the app), so no CORS
 * and no base URL to configure. Every failure becomes an ApiError whose message a person can act on; each route
 * family has its own error body (§4, §5, §6), read here once instead of in every view.
 */
import type { ChartCadence, ChartMetric } from "../../lib/charts/chartQuery.js";
import type { ChartBody } from "../../lib/charts/chartSeries.js";
import type { ActiveUsersEntry, NewUsersBody } from "../../lib/dashboard/responses.js";
import type { ReportName } from "../../lib/reports/definitions.js";
import type { OrgRow, UserRow } from "../../lib/reports/types.js";
import type { Pagination } from "../../lib/users/pagination.js";
import type { UserObject } from "../../lib/users/userObject.js";

export type {
  ActiveUsersEntry,
  ChartBody,
  ChartCadence,
  ChartMetric,
  NewUsersBody,
  OrgRow,
  ReportName,
  UserObject,
  UserRow,
};

export interface ApiCredentials {
  apiKey: string;
  environmentId: string;
}

export interface DashboardCredentials {
  userId: string;
  authToken: string;
}

export const CHART_METRICS: { metric: ChartMetric; title: string }[] = [
  { metric: "signups", title: "Sign-ups" },
  { metric: "orgs_created", title: "Orgs created" },
  { metric: "active_users", title: "Active users" },
  { metric: "active_orgs", title: "Active orgs" },
];

export const CADENCES: ChartCadence[] = ["Daily", "Weekly", "Monthly"];

export interface ReportInfo {
  name: ReportName;
  subject: "user" | "org";
  title: string;
  intervals: string[];
  /** What the interval means, for its label. */
  intervalLabel: string;
  extra: { key: string; title: string }[];
}

const days = ["30", "60", "90"];
const periods = ["Weekly", "Monthly"];
const churnDays = ["7", "14", "30"];

export const REPORTS: ReportInfo[] = [
  {
    name: "user_report/top_inviter",
    subject: "user",
    title: "Top inviters",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [{ key: "num_invites", title: "Invites" }],
  },
  {
    name: "user_report/champion",
    subject: "user",
    title: "Champions",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [{ key: "num_active_days", title: "Active days" }],
  },
  {
    name: "user_report/reengagement",
    subject: "user",
    title: "Re-engaged users",
    intervals: periods,
    intervalLabel: "Period",
    extra: [],
  },
  {
    name: "user_report/churn",
    subject: "user",
    title: "Churned users",
    intervals: churnDays,
    intervalLabel: "Inactive for (days)",
    extra: [],
  },
  {
    name: "org_report/reengagement",
    subject: "org",
    title: "Re-engaged orgs",
    intervals: periods,
    intervalLabel: "Period",
    extra: [],
  },
  {
    name: "org_report/churn",
    subject: "org",
    title: "Churned orgs",
    intervals: churnDays,
    intervalLabel: "Inactive for (days)",
    extra: [],
  },
  {
    name: "org_report/growth",
    subject: "org",
    title: "Growing orgs",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [
      { key: "num_users_added", title: "Added" },
      { key: "num_users_removed", title: "Removed" },
    ],
  },
  {
    name: "org_report/attrition",
    subject: "org",
    title: "Shrinking orgs",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [
      { key: "num_users_added", title: "Added" },
      { key: "num_users_removed", title: "Removed" },
      { key: "net_users_change", title: "Net change" },
    ],
  },
];

interface ReportPageBase {
  current_page: number;
  total_count: number;
  page_size: number;
  has_more_results: boolean;
  /** Unix seconds of the snapshot's instant. */
  report_time: number;
}
export type UserReportPage = ReportPageBase & { user_reports: UserRow[] };
export type OrgReportPage = ReportPageBase & { org_reports: OrgRow[] };
export type ReportPage = UserReportPage | OrgReportPage;

export interface UsersPage {
  status: "ok";
  data: UserObject[];
  pagination: Pagination;
}

/** A failed call: `status` 0 when the API could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Credential = "key" | "token";

function field(body: unknown, name: string): string | undefined {
  if (body && typeof body === "object" && name in body) {
    const value = (body as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  }
  return undefined;
}

/** A message for a person, from the status and whichever family's error body came back. */
export function errorMessage(status: number, body: unknown, credential: Credential): string {
  if (status === 401) {
    return credential === "key"
      ? "This API key is wrong or has been revoked."
      : "This user id and token are wrong or the token has been revoked.";
  }
  if (status === 403) {
    if (credential === "token") return "This user token lacks the view-engagement-dashboard permission.";
    const message = field(body, "message");
    return message ? `Not allowed: ${message}.` : "This API key lacks the read permission.";
  }
  if (status === 404) return "Not found.";
  if (status === 400) {
    const detail = field(body, "message") ?? field(body, "error");
    return detail ? `The request was refused: ${detail}` : "The request was refused.";
  }
  if (status === 503) return "The service is busy. Try again in a moment.";
  return `The service failed (HTTP ${status}). Try again later.`;
}

async function request<T>(path: string, headers: Record<string, string>, credential: Credential, signal?: AbortSignal) {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: "application/json", ...headers }, signal });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "The API could not be reached. Check the connection and try again.", null);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, errorMessage(response.status, body, credential), body);
  return body as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

const bearer = (c: ApiCredentials) => ({ authorization: `Bearer ${c.apiKey}` });
const withEnvironment = (c: ApiCredentials) => ({ ...bearer(c), "environment-id": c.environmentId });
const dashboardHeaders = (c: DashboardCredentials) => ({ "x-user-id": c.userId, "x-auth-token": c.authToken });

export interface ChartRange {
  cadence: ChartCadence;
  /** `YYYY-MM-DD` (UTC days, inclusive). */
  startDate: string;
  endDate: string;
}

export function fetchChartMetric(c: ApiCredentials, metric: ChartMetric, range: ChartRange, signal?: AbortSignal) {
  const q = query({ cadence: range.cadence, start_date: range.startDate, end_date: range.endDate });
  return request<ChartBody>(`/api/backend/v1/chart_metric/${metric}${q}`, bearer(c), "key", signal);
}

export interface ReportQuery {
  interval: string;
  pageSize: number;
  pageNumber: number;
}

export function fetchReport(c: ApiCredentials, report: ReportName, q: ReportQuery, signal?: AbortSignal) {
  const search = query({ report_interval: q.interval, page_size: q.pageSize, page_number: q.pageNumber });
  return request<ReportPage>(`/api/backend/v1/${report}${search}`, bearer(c), "key", signal);
}

export function fetchSignupParameters(c: ApiCredentials, userId: string, signal?: AbortSignal) {
  return request<{ user_signup_query_parameters: Record<string, string> }>(
    `/api/backend/v1/user/${encodeURIComponent(userId)}/signup_query_parameters`,
    bearer(c),
    "key",
    signal,
  );
}

/** `cursor` is the API's own `pagination.next` / `.previous` query (e.g. `limit=25&after=u-1`), or none. */
export function listUsers(c: ApiCredentials, cursor: string | { limit: number }, signal?: AbortSignal) {
  const search = typeof cursor === "string" ? `?${cursor}` : query({ limit: cursor.limit });
  return request<UsersPage>(`/api/v2/users${search}`, withEnvironment(c), "key", signal);
}

export function fetchUser(c: ApiCredentials, userId: string, signal?: AbortSignal) {
  return request<{ status: "ok"; data: UserObject[] }>(
    `/api/v2/users/${encodeURIComponent(userId)}`,
    withEnvironment(c),
    "key",
    signal,
  );
}

export async function fetchActiveUserCount(c: ApiCredentials, days?: number, signal?: AbortSignal) {
  const body = await request<{ status: "ok"; data: { activeUsers: number } }>(
    `/api/v2/usage-statistics/active-users${query({ days })}`,
    withEnvironment(c),
    "key",
    signal,
  );
  return body.data.activeUsers;
}

/** `start` / `end`: ISO instants; every UTC day from start's through end's counts. */
export function fetchActiveUsersByDay(c: DashboardCredentials, start: string, end: string, signal?: AbortSignal) {
  return request<{ month: ActiveUsersEntry[]; success: true }>(
    `/api/v1/engagement-dashboard/users/active-users${query({ start, end })}`,
    dashboardHeaders(c),
    "token",
    signal,
  );
}

export function fetchNewUsers(c: DashboardCredentials, start: string, end: string, signal?: AbortSignal) {
  return request<NewUsersBody>(
    `/api/v1/engagement-dashboard/users/new-users${query({ start, end })}`,
    dashboardHeaders(c),
    "token",
    signal,
  );
}

/**
 * Checks a sign-in before anything is stored: the key must read (a one-day chart, the cheapest read route) and the
 * environment id must be the key's (usage statistics answers 403 otherwise).
 */
export async function verifySession(c: ApiCredentials): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  await fetchChartMetric(c, "signups", { cadence: "Daily", startDate: today, endDate: today });
  try {
    await fetchActiveUserCount(c);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      throw new ApiError(403, "This environment id does not belong to this API key.", error.body);
    }
    throw error;
  }
}

/** What the local server (`npm start`) offers to prefill; `{}` wherever the dashboard is deployed. */
export interface LocalConfig {
  demo?: { environment_id: string; api_key: string; user_id: string; auth_token: string };
}

export async function fetchLocalConfig(): Promise<LocalConfig> {
  try {
    const response = await fetch("./config.json", { cache: "no-store" });
    return response.ok ? ((await response.json()) as LocalConfig) : {};
  } catch {
    return {};
  }
}
