import { invalidRequest } from "../http/invalidRequest.js";
import { parseIso8601 } from "../iso8601.js";
import type { ActivityMetric, Cadence } from "../storage/tableDesign.js";
import { DAY_MS, dayOf, dayStart } from "../time.js";
import { type Bucket, bucketCount, listBuckets, MAX_BUCKETS } from "./buckets.js";

/** The query of a chart request (CONTRACT §6), validated: which counters to read and the buckets to answer. */

export const CHART_METRICS = [
  "signups",
  "orgs_created",
  "active_users",
  "active_orgs",
] as const satisfies readonly ActivityMetric[];
export type ChartMetric = (typeof CHART_METRICS)[number];

export const CHART_TYPES: Record<ChartMetric, string> = {
  signups: "Signups",
  orgs_created: "OrgsCreated",
  active_users: "ActiveUsers",
  active_orgs: "ActiveOrgs",
};

export const CHART_CADENCES = ["Daily", "Weekly", "Monthly"] as const;
export type ChartCadence = (typeof CHART_CADENCES)[number];

export const STORAGE_CADENCE: Record<ChartCadence, Cadence> = { Daily: "day", Weekly: "week", Monthly: "month" };

/** Days between the default `start_date` and `end_date`. */
export const DEFAULT_PERIOD_DAYS = 30;

export interface ChartQuery {
  metric: ChartMetric;
  cadence: ChartCadence;
  buckets: Bucket[];
}

export function parseChartMetric(value: string | undefined): ChartMetric {
  const metric = CHART_METRICS.find((m) => m === value);
  if (!metric) throw invalidRequest(`chartMetric must be one of ${CHART_METRICS.join(", ")}`);
  return metric;
}

/** `Daily` when absent; any letter case. */
export function parseCadence(value: string | undefined): ChartCadence {
  if (value === undefined) return "Daily";
  const cadence = CHART_CADENCES.find((c) => c.toLowerCase() === value.toLowerCase());
  if (!cadence) throw invalidRequest(`cadence must be one of ${CHART_CADENCES.join(", ")} (any letter case)`);
  return cadence;
}

/** Nothing can be stored before 1970 (ingestion refuses such instants), so earlier dates are refused too. */
const EARLIEST_DAY = "1970-01-01";

/** The UTC day (`YYYY-MM-DD`) of a `YYYY-MM-DD` date or an ISO 8601 instant; undefined when it is neither. */
export function utcDayOf(value: string): string | undefined {
  const ms = parseIso8601(value);
  if (ms === undefined) return undefined;
  // An offset can move the UTC day outside the 4-digit years the answer's dates are written in.
  const utcDay = dayOf(ms);
  return /^\d{4}-/.test(utcDay) && utcDay >= EARLIEST_DAY ? utcDay : undefined;
}

function parseDay(name: string, value: string): string {
  const day = utcDayOf(value);
  if (day === undefined)
    throw invalidRequest(
      `${name} must be a date YYYY-MM-DD or an ISO 8601 instant (UTC day from 1970-01-01 to 9999-12-31)`,
    );
  return day;
}

/** The chart request's query; `nowMs` (the request time) sets the default period, ending today (UTC). */
export function parseChartQuery(
  chartMetric: string | undefined,
  query: Record<string, string | undefined>,
  nowMs: number,
): ChartQuery {
  const metric = parseChartMetric(chartMetric);
  const cadence = parseCadence(query.cadence);
  const start = query.start_date === undefined ? undefined : parseDay("start_date", query.start_date);
  const end = query.end_date === undefined ? dayOf(nowMs) : parseDay("end_date", query.end_date);
  const from = start ?? dayOf(dayStart(end) - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from > end) throw invalidRequest(`start_date (${from}) must not be after end_date (${end})`);
  const count = bucketCount(from, end, STORAGE_CADENCE[cadence]);
  if (count > MAX_BUCKETS) {
    throw invalidRequest(
      `start_date to end_date spans ${count} ${cadence} buckets; at most ${MAX_BUCKETS} are allowed (narrow the dates or use a longer cadence: ${CHART_CADENCES.join(", ")})`,
    );
  }
  return { metric, cadence, buckets: listBuckets(from, end, STORAGE_CADENCE[cadence]) };
}
