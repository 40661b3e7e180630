import { EngagementInsightsError } from "./errors.js";
import { type FetchLike, request, requestStream, type Transport } from "./http.js";
import { type RetryPolicy, readRetryable, withRetries } from "./retry.js";
import type {
  ActiveUsersByDay,
  ActiveUsersCount,
  BusierHourlyData,
  BusierWeeklyData,
  Camelize,
  ChartMetricData,
  Lifecycle,
  ListUsersPage,
  NewUsersSummary,
  OrgReport,
  Path,
  Query,
  Retention,
  Schemas,
  SignupQueryParams,
  Stickiness,
  User,
  UserReport,
  UsersByTimeOfDay,
  UsersPage,
} from "./types.js";

/**
 * The read client: the insights API (CONTRACT §6) under PropelAuth's method names and enums, with camelCase
 * results; the engagement dashboard (§4, and its activity-by-hour sections of §10) and the users and usage-statistics
 * API (§5). Each method is one request (`users.list` one per page), sent again while the server answers 429 or 503
 * (after its `Retry-After`) or the connection fails, up to `maxRetries` times (retry.ts); a non-2xx answer rejects
 * with the typed error of its status (errors.ts). Every method is async, so missing credentials or a bad argument
 * reject its promise too: none throws synchronously.
 *
 * | methods | API | credentials |
 * |---|---|---|
 * | fetch…Report, fetchChartMetricData, fetchUserSignupQueryParams | §6 insights | apiKey (read) |
 * | fetchRetention / fetchLifecycle / fetchStickiness | §10 (insights family) | apiKey (read) |
 * | users.list / users.page / users.get / activeUsersCount | §5 users | apiKey (read) + environmentId |
 * | activeUsers / newUsers / usersByTimeOfDay / busierHourlyData / busierWeeklyData | §4, §10 dashboard | userId + authToken (a dashboard user token) |
 */

// The enums' values are the document's (the compiler checks them against the generated types).
export const ChampionReportInterval = {
  THIRTY_DAYS: "30",
  SIXTY_DAYS: "60",
  NINETY_DAYS: "90",
} as const satisfies Record<string, Query<"userReportChampion">["report_interval"]>;
export const TopInviterReportInterval = ChampionReportInterval;
export const GrowthReportInterval = ChampionReportInterval;
export const AttritionReportInterval = ChampionReportInterval;
export const ReengagementReportInterval = { WEEKLY: "Weekly", MONTHLY: "Monthly" } as const satisfies Record<
  string,
  Query<"userReportReengagement">["report_interval"]
>;
export const ChurnReportInterval = {
  SEVEN_DAYS: "7",
  FOURTEEN_DAYS: "14",
  THIRTY_DAYS: "30",
} as const satisfies Record<string, Query<"userReportChurn">["report_interval"]>;
export const ChartMetric = {
  SIGNUPS: "signups",
  ORGS_CREATED: "orgs_created",
  ACTIVE_USERS: "active_users",
  ACTIVE_ORGS: "active_orgs",
} as const satisfies Record<string, Path<"chartMetric">["chartMetric"]>;
export const ChartMetricCadence = {
  DAILY: "Daily",
  WEEKLY: "Weekly",
  MONTHLY: "Monthly",
} as const satisfies Record<string, NonNullable<Query<"chartMetric">["cadence"]>>;

export const CurveEntity = { USERS: "users", ORGS: "orgs" } as const satisfies Record<
  string,
  NonNullable<Query<"retention">["entity"]>
>;
export const CurveCadence = ChartMetricCadence satisfies Record<string, NonNullable<Query<"retention">["cadence"]>>;
export const StickinessInterval = { SEVEN_DAYS: "7", THIRTY_DAYS: "30" } as const satisfies Record<
  string,
  Query<"stickiness">["report_interval"]
>;

type ValueOf<T> = T[keyof T];
export type CurveEntity = ValueOf<typeof CurveEntity>;
export type CurveCadence = ValueOf<typeof CurveCadence>;
export type StickinessInterval = ValueOf<typeof StickinessInterval>;
export type ChampionReportInterval = ValueOf<typeof ChampionReportInterval>;
export type TopInviterReportInterval = ChampionReportInterval;
export type GrowthReportInterval = ChampionReportInterval;
export type AttritionReportInterval = ChampionReportInterval;
export type ReengagementReportInterval = ValueOf<typeof ReengagementReportInterval>;
export type ChurnReportInterval = ValueOf<typeof ChurnReportInterval>;
export type ChartMetric = ValueOf<typeof ChartMetric>;
export type ChartMetricCadence = ValueOf<typeof ChartMetricCadence>;

export interface ReportPage {
  /** Rows per page (1–1000, default 10). */
  pageSize?: number;
  /** 0-based page (default 0). */
  pageNumber?: number;
}

export interface ReadOptions {
  apiUrl: string;
  /** An API key with `read` (insights and users APIs). */
  apiKey?: string;
  /** The key's environment (users and usage-statistics API). */
  environmentId?: string;
  /** A dashboard user's id and token (engagement dashboard API). */
  userId?: string;
  authToken?: string;
  /** Milliseconds one request may take (default 30,000). */
  timeout?: number;
  /**
   * Further tries of a request the server answered 429 or 503 (each after its `Retry-After`), or whose connection
   * failed before any answer (default 3; 0: one request, the error as it came).
   */
  maxRetries?: number;
  /**
   * Jitter added to Retry-After (the wait when none): up to `retryBaseDelay` ms (default 500), doubling per retry,
   * at most `retryMaxDelay` (default 10,000).
   */
  retryBaseDelay?: number;
  retryMaxDelay?: number;
  /** Aborts this reader's requests and its waits between tries (e.g. when the view that asked is closed). */
  signal?: AbortSignal;
  fetch?: FetchLike;
}

/** Keys of the service's JSON in camelCase (`first_name` → `firstName`), the customer's own data left as sent. */
const OPAQUE = new Set(["profile", "user_signup_query_parameters"]);
export function camelize<T>(value: T): Camelize<T> {
  if (Array.isArray(value)) return value.map(camelize) as Camelize<T>;
  if (value === null || typeof value !== "object") return value as Camelize<T>;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const camel = key.replace(/(?<=[^_])_([^_])/g, (_, c: string) => c.toUpperCase());
    out[camel] = OPAQUE.has(key) ? inner : camelize(inner);
  }
  return out as Camelize<T>;
}

/** The 8 reports of CONTRACT §6, as their route names. */
export type ReportName =
  | "user_report/top_inviter"
  | "user_report/champion"
  | "user_report/reengagement"
  | "user_report/churn"
  | "org_report/reengagement"
  | "org_report/churn"
  | "org_report/growth"
  | "org_report/attrition";

const day = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);

export class EngagementInsightsReader {
  private readonly transport: Transport;
  private readonly retries: RetryPolicy;

  constructor(private readonly options: ReadOptions) {
    this.transport = {
      apiUrl: options.apiUrl,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeout: options.timeout ?? 30_000,
    };
    this.retries = {
      maxRetries: Math.max(0, options.maxRetries ?? 3),
      baseDelay: options.retryBaseDelay ?? 500,
      maxDelay: options.retryMaxDelay ?? 10_000,
      retryable: readRetryable,
    };
  }

  private apiKeyHeaders(): Record<string, string> {
    if (!this.options.apiKey) throw new EngagementInsightsError("this method needs apiKey");
    return { authorization: `Bearer ${this.options.apiKey}` };
  }

  private get<T>(path: string, headers: Record<string, string>, query?: Record<string, string | number | undefined>) {
    const signal = this.options.signal;
    return withRetries(() => request<T>(this.transport, path, { headers, query, signal }), this.retries, signal);
  }

  private async report<T>(path: string, interval: string, page: ReportPage = {}): Promise<Camelize<T>> {
    return camelize(
      await this.get<T>(`/api/backend/v1/${path}`, this.apiKeyHeaders(), {
        report_interval: interval,
        page_size: page.pageSize,
        page_number: page.pageNumber,
      }),
    );
  }

  /**
   * Every row of a report (`user_report/churn`, ...) as RFC 4180 CSV (CONTRACT §12), streamed: iterate the text as it
   * arrives (`for await (const text of csv.chunks())`), or `await csv.text()` for a small report. The snapshot's
   * `report_time` and row count come from the response headers.
   */
  downloadReportCsv(report: ReportName, interval: string, options: { signal?: AbortSignal } = {}) {
    return this.downloadCsv(`/api/backend/v1/${report}`, { report_interval: interval }, options.signal);
  }

  private async downloadCsv(path: string, query: Record<string, string | undefined>, callSignal?: AbortSignal) {
    const own = this.options.signal;
    const signal = callSignal && own ? AbortSignal.any([callSignal, own]) : (callSignal ?? own);
    const headers = this.apiKeyHeaders();
    // Retried until the answer's status is known; a body being streamed is never sent again.
    const response = await withRetries(
      () => requestStream(this.transport, path, { accept: "text/csv", headers, query, signal }),
      this.retries,
      signal,
    );
    return {
      reportTime: Number(response.headers.get("x-report-time")),
      totalCount: Number(response.headers.get("x-total-count")),
      text: () => response.text(),
      async *chunks(): AsyncGenerator<string> {
        if (!response.body) return;
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          yield decoder.decode(next.value, { stream: true });
        }
        const rest = decoder.decode();
        if (rest) yield rest;
      },
    };
  }

  // ---- §6 user and org insights, PropelAuth's names --------------------------------------------------------------

  fetchUserTopInviterReport(interval: TopInviterReportInterval, page?: ReportPage): Promise<UserReport> {
    return this.report<Schemas["UserReport"]>("user_report/top_inviter", interval, page);
  }
  fetchUserChampionReport(interval: ChampionReportInterval, page?: ReportPage): Promise<UserReport> {
    return this.report<Schemas["UserReport"]>("user_report/champion", interval, page);
  }
  fetchUserReengagementReport(interval: ReengagementReportInterval, page?: ReportPage): Promise<UserReport> {
    return this.report<Schemas["UserReport"]>("user_report/reengagement", interval, page);
  }
  fetchUserChurnReport(interval: ChurnReportInterval, page?: ReportPage): Promise<UserReport> {
    return this.report<Schemas["UserReport"]>("user_report/churn", interval, page);
  }
  fetchOrgReengagementReport(interval: ReengagementReportInterval, page?: ReportPage): Promise<OrgReport> {
    return this.report<Schemas["OrgReport"]>("org_report/reengagement", interval, page);
  }
  fetchOrgChurnReport(interval: ChurnReportInterval, page?: ReportPage): Promise<OrgReport> {
    return this.report<Schemas["OrgReport"]>("org_report/churn", interval, page);
  }
  fetchOrgGrowthReport(interval: GrowthReportInterval, page?: ReportPage): Promise<OrgReport> {
    return this.report<Schemas["OrgReport"]>("org_report/growth", interval, page);
  }
  fetchOrgAttritionReport(interval: AttritionReportInterval, page?: ReportPage): Promise<OrgReport> {
    return this.report<Schemas["OrgReport"]>("org_report/attrition", interval, page);
  }

  /** Buckets of `metric` from `startDate`'s to `endDate`'s (dates `YYYY-MM-DD`, ISO instants or Dates). */
  async fetchChartMetricData(
    metric: ChartMetric,
    cadence?: ChartMetricCadence,
    startDate?: Date | string,
    endDate?: Date | string,
  ): Promise<ChartMetricData> {
    const body = await this.get<Schemas["ChartMetricData"]>(
      `/api/backend/v1/chart_metric/${encodeURIComponent(metric)}`,
      this.apiKeyHeaders(),
      {
        cadence,
        start_date: startDate === undefined ? undefined : day(startDate),
        end_date: endDate === undefined ? undefined : day(endDate),
      },
    );
    return camelize(body);
  }

  async fetchUserSignupQueryParams(userId: string): Promise<SignupQueryParams> {
    const path = `/api/backend/v1/user/${encodeURIComponent(userId)}/signup_query_parameters`;
    return camelize(
      await this.get<{ user_signup_query_parameters: Record<string, string> }>(path, this.apiKeyHeaders()),
    );
  }

  // ---- §10 retention, lifecycle, stickiness (of the latest snapshot) ---------------------------------------------

  /** One cohort per bucket (30 days, 12 ISO weeks or 12 months ending with report_time's), oldest first. */
  async fetchRetention(options: { entity?: CurveEntity; cadence?: CurveCadence } = {}): Promise<Retention> {
    return camelize(await this.get<Schemas["Retention"]>("/api/backend/v1/retention", this.apiKeyHeaders(), options));
  }

  /** New, returning, resurrecting and dormant per bucket, oldest first. */
  async fetchLifecycle(options: { entity?: CurveEntity; cadence?: CurveCadence } = {}): Promise<Lifecycle> {
    return camelize(await this.get<Schemas["Lifecycle"]>("/api/backend/v1/lifecycle", this.apiKeyHeaders(), options));
  }

  /** How many users (orgs) existing at report_time were active on exactly d days of the last 7 or 30. */
  async fetchStickiness(interval: StickinessInterval, options: { entity?: CurveEntity } = {}): Promise<Stickiness> {
    const query = { report_interval: interval, entity: options.entity };
    return camelize(await this.get<Schemas["Stickiness"]>("/api/backend/v1/stickiness", this.apiKeyHeaders(), query));
  }

  /**
   * Retention as CSV (CONTRACT §12), one row per cohort: `cohort,size,retained_0,…` (empty where a cohort has no
   * k-th bucket yet); `reportTime` and the row count from the headers, as downloadReportCsv.
   */
  downloadRetentionCsv(options: { entity?: CurveEntity; cadence?: CurveCadence; signal?: AbortSignal } = {}) {
    const { signal, ...query } = options;
    return this.downloadCsv("/api/backend/v1/retention", query, signal);
  }

  /** Lifecycle as CSV, one row per bucket: `date,new,returning,resurrecting,dormant`. */
  downloadLifecycleCsv(options: { entity?: CurveEntity; cadence?: CurveCadence; signal?: AbortSignal } = {}) {
    const { signal, ...query } = options;
    return this.downloadCsv("/api/backend/v1/lifecycle", query, signal);
  }

  /** Stickiness as CSV, one row per day count: `active_days,count`. */
  downloadStickinessCsv(interval: StickinessInterval, options: { entity?: CurveEntity; signal?: AbortSignal } = {}) {
    return this.downloadCsv(
      "/api/backend/v1/stickiness",
      { report_interval: interval, entity: options.entity },
      options.signal,
    );
  }

  // ---- §4 engagement dashboard -----------------------------------------------------------------------------------

  private dashboardHeaders(): Record<string, string> {
    const { userId, authToken } = this.options;
    if (!userId || !authToken) throw new EngagementInsightsError("dashboard methods need userId and authToken");
    return { "x-user-id": userId, "x-auth-token": authToken };
  }

  /** Active users per UTC day from `start`'s day through `end`'s, newest first. */
  async activeUsers(start: Date | string, end: Date | string): Promise<ActiveUsersByDay> {
    return this.get<ActiveUsersByDay>("/api/v1/engagement-dashboard/users/active-users", this.dashboardHeaders(), {
      start: day(start),
      end: day(end),
    });
  }

  /** Sign-ups per UTC day of the period, with the period's and yesterday's variation. */
  async newUsers(start: Date | string, end: Date | string): Promise<NewUsersSummary> {
    return this.get<NewUsersSummary>("/api/v1/engagement-dashboard/users/new-users", this.dashboardHeaders(), {
      start: day(start),
      end: day(end),
    });
  }

  /** Distinct active users per UTC clock hour from `start`'s hour through `end`'s (hours with none left out), oldest first. */
  async usersByTimeOfDay(start: Date | string, end: Date | string): Promise<UsersByTimeOfDay> {
    return this.get<UsersByTimeOfDay>(
      "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week",
      this.dashboardHeaders(),
      { start: day(start), end: day(end) },
    );
  }

  /** Distinct active users of the 24 hours before `start`, in 12 groups of two clock hours of the day (0, 2, …, 22). */
  async busierHourlyData(start: Date | string): Promise<BusierHourlyData> {
    return this.get<BusierHourlyData>(
      "/api/v1/engagement-dashboard/users/chat-busier/hourly-data",
      this.dashboardHeaders(),
      {
        start: day(start),
      },
    );
  }

  /** Distinct active users of each UTC day from `start` − 7 days through `start`'s day (8 days, zeros included), oldest first. */
  async busierWeeklyData(start: Date | string): Promise<BusierWeeklyData> {
    return this.get<BusierWeeklyData>(
      "/api/v1/engagement-dashboard/users/chat-busier/weekly-data",
      this.dashboardHeaders(),
      {
        start: day(start),
      },
    );
  }

  // ---- §5 users and usage statistics -----------------------------------------------------------------------------

  private usersHeaders(): Record<string, string> {
    if (!this.options.environmentId) throw new EngagementInsightsError("users methods need environmentId");
    return { ...this.apiKeyHeaders(), "environment-id": this.options.environmentId };
  }

  readonly users = {
    /** Every current user in sign-up order, fetched `limit` (1–1000, default 25) at a time by following the cursors. */
    list: ({ limit }: { limit?: number } = {}): AsyncIterableIterator<User> => this.listUsers(limit),
    /**
     * One page of users with its cursors, for paging by hand (a UI's Previous / Next): the first page of `limit`,
     * or the page a cursor names (a `pagination.next` / `.previous` of an earlier page, e.g. `limit=25&after=u-1`).
     */
    page: (at: { limit?: number } | string = {}): Promise<UsersPage> => this.usersPage(at),
    /** A current user; NotFoundError when unknown or deleted. */
    get: async (userId: string): Promise<User> => {
      const body = await this.get<{ data: Schemas["User"][] }>(
        `/api/v2/users/${encodeURIComponent(userId)}`,
        this.usersHeaders(),
      );
      return camelize(body.data[0] as Schemas["User"]);
    },
  };

  private async usersPage(at: { limit?: number } | string): Promise<UsersPage> {
    const query = typeof at === "string" ? Object.fromEntries(new URLSearchParams(at)) : { limit: at.limit };
    return camelize(await this.get<ListUsersPage>("/api/v2/users", this.usersHeaders(), query));
  }

  private async *listUsers(limit?: number): AsyncIterableIterator<User> {
    let page = await this.usersPage({ limit });
    for (;;) {
      yield* page.data;
      if (!page.pagination.hasNext || !page.pagination.next) return;
      page = await this.usersPage(page.pagination.next);
    }
  }

  /** Users that exist now; with `days`, those of them active in the last `days` days (1–366). */
  async activeUsersCount({ days }: { days?: number } = {}): Promise<number> {
    const body = await this.get<ActiveUsersCount>("/api/v2/usage-statistics/active-users", this.usersHeaders(), {
      days,
    });
    return body.data.activeUsers;
  }
}

export type { Camelize };
