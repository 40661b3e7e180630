import type { Store } from "../storage/client.js";
import { readBucketCounts } from "./bucketCounters.js";
import { type ChartQuery, STORAGE_CADENCE } from "./chartQuery.js";
import { type ChartBody, chartBody } from "./chartSeries.js";

/** A chart computed live from the bucket counters (CONTRACT §6: not from a snapshot). */
export async function computeChart(
  store: Store,
  environmentId: string,
  query: ChartQuery,
  nowMs: number,
): Promise<ChartBody> {
  const first = query.buckets[0];
  const last = query.buckets.at(-1);
  const counts =
    first && last
      ? await readBucketCounts(store, environmentId, query.metric, STORAGE_CADENCE[query.cadence], first.id, last.id)
      : new Map<string, number>();
  return chartBody(query, counts, nowMs);
}
