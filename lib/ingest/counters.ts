import type { Store } from "../storage/client.js";
import { counterAttribute } from "../storage/monthCounters.js";
import { type ActivityMetric, type Cadence, keys } from "../storage/tableDesign.js";
import type { TransactItem } from "../storage/transactions.js";
import { dayOf, monthOf, weekOf } from "../time.js";

/**
 * The counters ingestion moves: one attribute of an item. The bucket counts of every metric and cadence live in one
 * item per UTC month (tableDesign.ts, `CNT`): a new user active on its sign-up day moves six counts (sign-ups and
 * active users, day / week / month) with one item written, where one item per bucket took six. A week's count is
 * kept in the month of the day whose event moved it, so a week across two months has a part in each (summed on read).
 */

export const cadences: { cadence: Cadence; bucketOf: (ms: number) => string }[] = [
  { cadence: "day", bucketOf: dayOf },
  { cadence: "week", bucketOf: weekOf },
  { cadence: "month", bucketOf: monthOf },
];

export interface CounterKey {
  table: string;
  key: { pk: string; sk: string };
  attribute: string;
  /** Written to one of its sub-items per transaction (tableDesign.ts `counterSubItem`); readers sum them. */
  spread?: boolean;
}

/** One Update adding each delta to its attribute of the item (all counters of one item). */
export function counterAdds(table: string, key: { pk: string; sk: string }, deltas: Map<string, number>): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const adds = [...deltas].map(([attribute, delta], i) => {
    names[`#c${i}`] = attribute;
    values[`:d${i}`] = delta;
    return `#c${i} :d${i}`;
  });
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: `ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The count of `metric` in the `cadence` bucket holding `at` (a week's part in the month of `at`). */
export const bucketCounter = (
  store: Store,
  e: string,
  metric: ActivityMetric,
  cadence: Cadence,
  at: number,
): CounterKey => ({
  table: store.tables.activity,
  key: keys.monthCounters(e, monthOf(at)),
  attribute: counterAttribute(metric, cadence, at),
  spread: true,
});
