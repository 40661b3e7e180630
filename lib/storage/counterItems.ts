import { counterItemSk } from "./tableDesign.js";

/**
 * Counter items read back whole: a spread counter item (tableDesign.ts `COUNTER_SUB_ITEMS`) is the item and its
 * sub-items `{sk}#{n}`, which sort next to each other, so a Query's pages hold them in a row: summed here into one
 * entry per item, in the Query's order, for readers that walk the items one by one (the refresh's shard planners).
 */
export async function* counterItemTotals(
  pages: AsyncIterable<{ sk: string; count?: number }[]>,
): AsyncGenerator<{ sk: string; count: number }> {
  let current: { sk: string; count: number } | undefined;
  for await (const page of pages) {
    for (const item of page) {
      const sk = counterItemSk(item.sk);
      if (current && current.sk !== sk) yield current;
      if (!current || current.sk !== sk) current = { sk, count: 0 };
      current.count += Number(item.count ?? 0);
    }
  }
  if (current) yield current;
}
