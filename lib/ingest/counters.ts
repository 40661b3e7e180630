import type { Store } from "../storage/client.js";
import { type ActivityMetric, type Cadence, keys } from "../storage/tableDesign.js";
import type { TransactItem } from "../storage/transactions.js";
import { dayOf, monthOf, weekOf } from "../time.js";

/** The bucket counters ingestion moves: one item per (metric, cadence, bucket), or the existing-user count. */

export const cadences: { cadence: Cadence; bucketOf: (ms: number) => string }[] = [
  { cadence: "day", bucketOf: dayOf },
  { cadence: "week", bucketOf: weekOf },
  { cadence: "month", bucketOf: monthOf },
];

export interface CounterKey {
  table: string;
  key: Record<string, string>;
}

export function counterAdd({ table, key }: CounterKey, delta: number): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: "ADD #count :delta",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":delta": delta },
    },
  };
}

export const bucketCounter = (
  store: Store,
  e: string,
  metric: ActivityMetric,
  cadence: Cadence,
  bucket: string,
): CounterKey => ({
  table: store.tables.activity,
  key: keys.bucketCounter(e, metric, cadence, bucket),
});
