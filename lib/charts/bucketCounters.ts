import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { type ActivityMetric, type Cadence, keys } from "../storage/tableDesign.js";

/**
 * The counters of a metric's buckets from `firstBucket` to `lastBucket` (ids, inclusive): one range Query of the
 * metric's counter partition, which holds items only for buckets with data, so a long period costs what it holds.
 */
export async function readBucketCounts(
  store: Store,
  environmentId: string,
  metric: ActivityMetric,
  cadence: Cadence,
  firstBucket: string,
  lastBucket: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const items = await queryAll<{ sk: string; count: number }>(store, {
    TableName: store.tables.activity,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
    ExpressionAttributeValues: {
      ":pk": keys.bucketCounterPk(environmentId, metric, cadence),
      ":first": firstBucket,
      ":last": lastBucket,
    },
    ProjectionExpression: "sk, #count",
    ExpressionAttributeNames: { "#count": "count" },
  });
  for (const item of items) counts.set(item.sk, Number(item.count));
  return counts;
}
