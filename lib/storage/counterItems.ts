import { counterItemSk } from "./tableDesign.js";

/**
 * Counter items read back whole: a spread counter item (tableDesign.ts `COUNTER_SUB_ITEMS`) is the item and its
 * sub-items `{sk}#{n}`, which sort next to each other, so a Query's pages hold them in a row: summed here into one
 * entry per item, in the Query's order, for readers that walk the items one by one (the refresh's shard planners).
 */
export async function* counterItemTotals(
  pages: AsyncIterable<{ sk: string; count?: number }[]>,
): AsyncGenerator<{ sk: string; count: number }> {
  for await (const page of summedCounterPages(pages))
    for (const item of page) yield { sk: String(item.sk), count: Number(item.count ?? 0) };
}

/**
 * The pages of a Query of counter items with each item's sub-items summed into it (every numeric attribute), the
 * item's own sort key kept: for readers of items with many counts (a day's hour counts).
 */
export async function* summedCounterPages(
  pages: AsyncIterable<Record<string, unknown>[]>,
): AsyncGenerator<Record<string, unknown>[]> {
  let current: Record<string, unknown> | undefined;
  for await (const page of pages) {
    const out: Record<string, unknown>[] = [];
    for (const item of page) {
      const sk = counterItemSk(String(item.sk));
      if (current && current.sk !== sk) out.push(inNameOrder(current));
      if (!current || current.sk !== sk) current = { pk: item.pk, sk };
      for (const [name, value] of Object.entries(item))
        if (typeof value === "number" && name !== "sk") current[name] = Number(current[name] ?? 0) + value;
    }
    if (out.length > 0) yield out;
  }
  if (current) yield [inNameOrder(current)];
}

/** The item with its attributes in name order: the same counts read the same whichever sub-item held them. */
const inNameOrder = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
