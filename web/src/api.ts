/**
 * The dashboard's one way to the service: a thin adapter over the SDK's read client (sdk/src/read.ts,
 * `EngagementInsightsReader`), whose types come from the OpenAPI document. Views import only this module. What it
 * adds is the dashboard's own: which reports and charts it shows and under what titles, the sign-in check, and a
 * message a person can act on for each of the SDK's typed errors.
 *
 * | call                      | SDK method                                  | credentials           |
 * |---------------------------|---------------------------------------------|-----------------------|
 * | verifySession             | fetchChartMetricData (1 day) + activeUsersCount | API key + environment |
 * | fetchChartMetric          | fetchChartMetricData                        | API key               |
 * | fetchReport               | fetchUser…Report / fetchOrg…Report          | API key               |
 * | downloadReportCsv         | downloadReportCsv                           | API key               |
 * | fetchSignupParameters     | fetchUserSignupQueryParams                  | API key               |
 * | listUsers / fetchUser     | users.page / users.get                      | API key + environment |
 * | fetchActiveUserCount      | activeUsersCount                            | API key + environment |
 * | fetchActiveUsersByDay     | activeUsers                                 | user id + token       |
 * | fetchNewUsers             | newUsers                                    | user id + token       |
 * | fetchRetention / fetchLifecycle / fetchStickiness | the SDK's methods of the same names | API key     |
 * | downloadCurveCsv          | downloadRetentionCsv / …LifecycleCsv / …StickinessCsv | API key     |
 * | fetchUsersByTimeOfDay     | usersByTimeOfDay                            | user id + token       |
 *
 * Why: the API is served beside the app (the local server, CloudFront), so the SDK's base URL is this page's
 * origin: no CORS and nothing to configure. One reader per call, given the view's abort signal, so a superseded
 * request (and its wait before a retry) is cancelled. Each SDK error class becomes an ApiError whose message names
 * what to fix (which credential, which permission); the SDK's own messages are the server's words, meant for
 * developers.
 */
import {
  type ActiveUsersByDay,
  type AttritionReportInterval,
  ChampionReportInterval,
  type ChartMetric,
  type ChartMetricCadence,
  type ChartMetricData,
  ChurnReportInterval,
  EngagementInsightsReader,
  type FetchLike,
  ForbiddenError,
  type GrowthReportInterval,
  InvalidRequestError,
  type Lifecycle,
  type NewUsersSummary,
  NotFoundError,
  type OrgReport,
  type OrgReportRow,
  type ReadOptions,
  ReengagementReportInterval,
  type Retention,
  ApiError as SdkApiError,
  type ReportPage as SdkReportPage,
  type SignupQueryParams,
  type Stickiness,
  type TopInviterReportInterval,
  UnauthorizedError,
  type User,
  type UserReport,
  type UserReportRow,
  type UsersByTimeOfDay,
  type UsersPage,
} from "../../sdk/src/index.js";

export type {
  ChartMetric,
  ChartMetricData,
  Lifecycle,
  OrgReportRow,
  Retention,
  Stickiness,
  User,
  UserReportRow,
  UsersPage,
};
export type ChartCadence = ChartMetricCadence;
export type ActiveUsersEntry = ActiveUsersByDay["month"][number];
export type NewUsersBody = NewUsersSummary;
export type HourEntry = UsersByTimeOfDay["week"][number];
export type ReportPage = UserReport | OrgReport;

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

type ReportCall = (reader: EngagementInsightsReader, interval: string, page: SdkReportPage) => Promise<ReportPage>;

// Each report's SDK method. The interval was checked against the report's SDK enum (REPORTS) before the call.
const REPORT_CALLS = {
  "user_report/top_inviter": (r, i, p) => r.fetchUserTopInviterReport(i as TopInviterReportInterval, p),
  "user_report/champion": (r, i, p) => r.fetchUserChampionReport(i as ChampionReportInterval, p),
  "user_report/reengagement": (r, i, p) => r.fetchUserReengagementReport(i as ReengagementReportInterval, p),
  "user_report/churn": (r, i, p) => r.fetchUserChurnReport(i as ChurnReportInterval, p),
  "org_report/reengagement": (r, i, p) => r.fetchOrgReengagementReport(i as ReengagementReportInterval, p),
  "org_report/churn": (r, i, p) => r.fetchOrgChurnReport(i as ChurnReportInterval, p),
  "org_report/growth": (r, i, p) => r.fetchOrgGrowthReport(i as GrowthReportInterval, p),
  "org_report/attrition": (r, i, p) => r.fetchOrgAttritionReport(i as AttritionReportInterval, p),
} satisfies Record<string, ReportCall>;

export type ReportName = keyof typeof REPORT_CALLS;

export interface ReportInfo {
  name: ReportName;
  subject: "user" | "org";
  title: string;
  intervals: string[];
  /** What the interval means, for its label. */
  intervalLabel: string;
  /** Keys of the rows' `extraProperties` (camelCase, as the SDK hands them out). */
  extra: { key: string; title: string }[];
}

const days: string[] = Object.values(ChampionReportInterval);
const periods: string[] = Object.values(ReengagementReportInterval);
const churnDays: string[] = Object.values(ChurnReportInterval);

export const REPORTS: ReportInfo[] = [
  {
    name: "user_report/top_inviter",
    subject: "user",
    title: "Top inviters",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [{ key: "numInvites", title: "Invites" }],
  },
  {
    name: "user_report/champion",
    subject: "user",
    title: "Champions",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [{ key: "numActiveDays", title: "Active days" }],
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
      { key: "numUsersAdded", title: "Added" },
      { key: "numUsersRemoved", title: "Removed" },
    ],
  },
  {
    name: "org_report/attrition",
    subject: "org",
    title: "Shrinking orgs",
    intervals: days,
    intervalLabel: "Window (days)",
    extra: [
      { key: "numUsersAdded", title: "Added" },
      { key: "numUsersRemoved", title: "Removed" },
      { key: "netUsersChange", title: "Net change" },
    ],
  },
];

/** A failed call, worded for a person: `status` 0 when the API could not be reached at all. */
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

/** Which credential a call used: an API key, or a dashboard user's id and token. */
export type Credential = "key" | "token";

function field(body: unknown, name: string): string | undefined {
  if (body && typeof body === "object" && name in body) {
    const value = (body as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  }
  return undefined;
}

function messageOf(error: SdkApiError, credential: Credential): string {
  if (error instanceof UnauthorizedError) {
    return credential === "key"
      ? "This API key is wrong or has been revoked."
      : "This user id and token are wrong or the token has been revoked.";
  }
  if (error instanceof ForbiddenError) {
    if (credential === "token") return "This user token lacks the view-engagement-dashboard permission.";
    // The users family says why (e.g. another environment's id); the insights family only says "forbidden".
    const message = field(error.body, "message");
    return message ? `Not allowed: ${message}.` : "This API key lacks the read permission.";
  }
  if (error instanceof NotFoundError) return "Not found.";
  if (error instanceof InvalidRequestError) {
    const detail = field(error.body, "message") ?? field(error.body, "error");
    return detail ? `The request was refused: ${detail}` : "The request was refused.";
  }
  if (error.status === 503) return "The service is busy. Try again in a moment.";
  return `The service failed (HTTP ${error.status}). Try again later.`;
}

/** The SDK's typed error (or any failure) as the dashboard's ApiError. */
export function toApiError(error: unknown, credential: Credential): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SdkApiError) return new ApiError(error.status, messageOf(error, credential), error.body);
  // NetworkError (no answer, or a timeout), or a failure before any request.
  return new ApiError(0, "The API could not be reached. Check the connection and try again.", null);
}

/**
 * How many times a read is sent while it answers 503 or 429 (a throttle; old days' hour counts being derived:
 * the first read of a long period after an import of old history derives them over several requests,
 * lib/dashboard/hourRepair.ts), each after the server's Retry-After: the SDK's retries (sdk/src/retry.ts), more of
 * them than its default since a person is waiting for the view.
 */
export const BUSY_ATTEMPTS = 8;

/** The credentials a call's reader carries (API key and environment, or a dashboard user's token). */
type ReaderCredentials = Pick<ReadOptions, "apiKey" | "environmentId" | "userId" | "authToken">;

/** The reader for one call: this page's origin, the view's abort signal, the dashboard's retries. */
export function readerFor(
  options: ReaderCredentials,
  signal: AbortSignal | undefined,
  fetch?: FetchLike,
): EngagementInsightsReader {
  return new EngagementInsightsReader({
    ...options,
    apiUrl: globalThis.location.origin,
    maxRetries: BUSY_ATTEMPTS - 1,
    ...(signal ? { signal } : {}),
    ...(fetch ? { fetch } : {}),
  });
}

/** Runs one SDK call with a reader for `options`, its requests cancelled by `signal`; errors become ApiErrors. */
async function call<T>(
  options: ReaderCredentials,
  credential: Credential,
  signal: AbortSignal | undefined,
  run: (reader: EngagementInsightsReader) => Promise<T>,
): Promise<T> {
  try {
    return await run(readerFor(options, signal));
  } catch (error) {
    throw toApiError(error, credential);
  }
}

const withKey = (c: ApiCredentials) => ({ apiKey: c.apiKey, environmentId: c.environmentId });
const withToken = (c: DashboardCredentials) => ({ userId: c.userId, authToken: c.authToken });

export interface ChartRange {
  cadence: ChartCadence;
  /** `YYYY-MM-DD` (UTC days, inclusive). */
  startDate: string;
  endDate: string;
}

export function fetchChartMetric(
  c: ApiCredentials,
  metric: ChartMetric,
  range: ChartRange,
  signal?: AbortSignal,
): Promise<ChartMetricData> {
  return call(withKey(c), "key", signal, (r) =>
    r.fetchChartMetricData(metric, range.cadence, range.startDate, range.endDate),
  );
}

export type CurveEntity = "users" | "orgs";
export const CURVE_ENTITIES: { entity: CurveEntity; title: string }[] = [
  { entity: "users", title: "Users" },
  { entity: "orgs", title: "Orgs" },
];
export type StickinessInterval = "7" | "30";

export function fetchRetention(
  c: ApiCredentials,
  entity: CurveEntity,
  cadence: ChartCadence,
  signal?: AbortSignal,
): Promise<Retention> {
  return call(withKey(c), "key", signal, (r) => r.fetchRetention({ entity, cadence }));
}

export function fetchLifecycle(
  c: ApiCredentials,
  entity: CurveEntity,
  cadence: ChartCadence,
  signal?: AbortSignal,
): Promise<Lifecycle> {
  return call(withKey(c), "key", signal, (r) => r.fetchLifecycle({ entity, cadence }));
}

export function fetchStickiness(
  c: ApiCredentials,
  entity: CurveEntity,
  interval: StickinessInterval,
  signal?: AbortSignal,
): Promise<Stickiness> {
  return call(withKey(c), "key", signal, (r) => r.fetchStickiness(interval, { entity }));
}

/**
 * Retention, lifecycle or stickiness as a CSV file (the SDK's download…Csv), named as the server names it;
 * `parameter` is the cadence (retention, lifecycle) or the window (stickiness).
 */
export function downloadCurveCsv(
  c: ApiCredentials,
  route: "retention" | "lifecycle" | "stickiness",
  entity: CurveEntity,
  parameter: string,
): Promise<{ file: string; blob: Blob }> {
  return call(withKey(c), "key", undefined, async (r) => {
    const cadence = parameter as ChartCadence;
    const csv =
      route === "stickiness"
        ? await r.downloadStickinessCsv(parameter as StickinessInterval, { entity })
        : route === "retention"
          ? await r.downloadRetentionCsv({ entity, cadence })
          : await r.downloadLifecycleCsv({ entity, cadence });
    const blob = new Blob([await csv.text()], { type: "text/csv" });
    return { file: `${route}-${entity}-${parameter}-${csv.reportTime}.csv`, blob };
  });
}

export interface ReportQuery {
  interval: string;
  pageSize: number;
  pageNumber: number;
}

export function fetchReport(
  c: ApiCredentials,
  report: ReportName,
  q: ReportQuery,
  signal?: AbortSignal,
): Promise<ReportPage> {
  const fetchPage: ReportCall = REPORT_CALLS[report];
  return call(withKey(c), "key", signal, (r) =>
    fetchPage(r, q.interval, { pageSize: q.pageSize, pageNumber: q.pageNumber }),
  );
}

/** Every row of a report as a CSV file (the SDK's downloadReportCsv), named as the server names it. */
export function downloadReportCsv(
  c: ApiCredentials,
  report: ReportName,
  interval: string,
): Promise<{ file: string; blob: Blob }> {
  return call(withKey(c), "key", undefined, async (r) => {
    const csv = await r.downloadReportCsv(report, interval);
    const blob = new Blob([await csv.text()], { type: "text/csv" });
    return { file: `${report.replace("/", "-")}-${interval}-${csv.reportTime}.csv`, blob };
  });
}

export function fetchSignupParameters(
  c: ApiCredentials,
  userId: string,
  signal?: AbortSignal,
): Promise<SignupQueryParams> {
  return call(withKey(c), "key", signal, (r) => r.fetchUserSignupQueryParams(userId));
}

/** `cursor` is the API's own `pagination.next` / `.previous` query (e.g. `limit=25&after=u-1`), or a first page. */
export function listUsers(
  c: ApiCredentials,
  cursor: string | { limit: number },
  signal?: AbortSignal,
): Promise<UsersPage> {
  return call(withKey(c), "key", signal, (r) => r.users.page(cursor));
}

export function fetchUser(c: ApiCredentials, userId: string, signal?: AbortSignal): Promise<User> {
  return call(withKey(c), "key", signal, (r) => r.users.get(userId));
}

export function fetchActiveUserCount(c: ApiCredentials, days?: number, signal?: AbortSignal): Promise<number> {
  return call(withKey(c), "key", signal, (r) => r.activeUsersCount({ days }));
}

/** `start` / `end`: ISO instants; every UTC day from start's through end's counts. */
export function fetchActiveUsersByDay(
  c: DashboardCredentials,
  start: string,
  end: string,
  signal?: AbortSignal,
): Promise<ActiveUsersByDay> {
  return call(withToken(c), "token", signal, (r) => r.activeUsers(start, end));
}

export function fetchNewUsers(
  c: DashboardCredentials,
  start: string,
  end: string,
  signal?: AbortSignal,
): Promise<NewUsersBody> {
  return call(withToken(c), "token", signal, (r) => r.newUsers(start, end));
}

/** Distinct active users per UTC clock hour from `start`'s hour through `end`'s (hours with none left out). */
export function fetchUsersByTimeOfDay(
  c: DashboardCredentials,
  start: string,
  end: string,
  signal?: AbortSignal,
): Promise<UsersByTimeOfDay> {
  return call(withToken(c), "token", signal, (r) => r.usersByTimeOfDay(start, end));
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
