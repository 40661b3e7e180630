import { invalidRequest } from "../http/invalidRequest.js";
import { parseParams } from "../http/params.js";
import type { Cadence } from "../storage/tableDesign.js";
import { DAY_MS, dayOf, dayStart } from "../time.js";
import { type Bucket, bucketCount, listBuckets, MAX_BUCKETS } from "./buckets.js";
import { CHART_CADENCES, type ChartCadence, type ChartMetric, chartPathSchema, chartQuerySchema } from "./schemas.js";

export {
  CHART_CADENCES,
  CHART_METRICS,
  CHART_TYPES,
  type ChartCadence,
  type ChartMetric,
  utcDayOf,
} from "./schemas.js";

const badRequest = (issue: { message: string }) => invalidRequest(issue.message);

/** The query of a chart request (CONTRACT §6), validated: which counters to read and the buckets to answer. */

export const STORAGE_CADENCE: Record<ChartCadence, Cadence> = { Daily: "day", Weekly: "week", Monthly: "month" };

/** Days between the default `start_date` and `end_date`. */
export const DEFAULT_PERIOD_DAYS = 30;

export interface ChartQuery {
  metric: ChartMetric;
  cadence: ChartCadence;
  buckets: Bucket[];
}

export function parseChartMetric(value: string | undefined): ChartMetric {
  return parseParams(chartPathSchema, { chartMetric: value }, badRequest).chartMetric;
}

/** `Daily` when absent; any letter case. */
export function parseCadence(value: string | undefined): ChartCadence {
  return parseParams(chartQuerySchema, { cadence: value }, badRequest).cadence ?? "Daily";
}

/** The chart request's query; `nowMs` (the request time) sets the default period, ending today (UTC). */
export function parseChartQuery(
  chartMetric: string | undefined,
  query: Record<string, string | undefined>,
  nowMs: number,
): ChartQuery {
  const metric = parseChartMetric(chartMetric);
  const parsed = parseParams(chartQuerySchema, query, badRequest);
  const cadence = parsed.cadence ?? "Daily";
  const start = parsed.start_date;
  const end = parsed.end_date ?? dayOf(nowMs);
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
