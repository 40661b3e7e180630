import { CHART_TYPES, type ChartQuery } from "./chartQuery.js";

/** The chart answer of CONTRACT §6, built from the counters of the buckets that have data. */

export interface ChartPoint {
  date: string;
  result: number;
  cadence_completed: boolean;
}

export interface ChartBody {
  chart_type: string;
  cadence: string;
  metrics: ChartPoint[];
}

/** One entry per bucket, oldest first; buckets without a counter are zeros; completed once ended by `nowMs`. */
export function chartBody(query: ChartQuery, counts: ReadonlyMap<string, number>, nowMs: number): ChartBody {
  return {
    chart_type: CHART_TYPES[query.metric],
    cadence: query.cadence,
    metrics: query.buckets.map((bucket) => ({
      date: bucket.date,
      result: counts.get(bucket.id) ?? 0,
      cadence_completed: bucket.endMs <= nowMs,
    })),
  };
}
