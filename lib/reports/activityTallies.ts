import { batchGetAll, batchPutAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";

/**
 * What a user-activity tally part (activityShards.ts) hands to the rows parts: per list, its entries (score, id)
 * sorted in rank order, TALLY_ITEM_ENTRIES to an item, and an index item (-1) with each item's first entry and size.
 *
 * Why: a rows part takes one slice of the merged rank order. Knowing every tally's item starts, it finds the slice's
 * bounds (the same for every rows part and delivery: they follow from the counted tallies alone) and reads only the
 * items overlapping its range, so it holds its slice plus at most two partial items per tally. Entries are
 * ≈ 30 bytes, a tenth of a row: the extra writes are a small part of the lists' own.
 */

/** [score, id]: the score is the list's sort key (active days, or last activity in ms), compared descending. */
export type TallyEntry = [number, string];

/** Entries per item (≤ 1,000 ids of ≤ 256 bytes: under DynamoDB's 400 KB an item). */
export const TALLY_ITEM_ENTRIES = 1000;
const INDEX_ITEM = -1;

/** The rank order of compute.ts `rank`: score descending, then id ascending (JS string order). */
export function compareEntries(a: TallyEntry, b: TallyEntry): number {
  if (a[0] !== b[0]) return b[0] - a[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export interface TallyIndex {
  /** The first entry of each item, in rank order. */
  starts: TallyEntry[];
  sizes: number[];
}

interface TallyStore {
  store: Store;
  environmentId: string;
  reportId: string;
}

/** Writes one list's entries (sorted here) and its index; returns the items written. */
export async function writeTally(
  at: TallyStore,
  list: string,
  attempt: string,
  entries: TallyEntry[],
  expiresAt: number,
  perItem = TALLY_ITEM_ENTRIES,
): Promise<number> {
  entries.sort(compareEntries);
  const items: Record<string, unknown>[] = [];
  const index: TallyIndex = { starts: [], sizes: [] };
  for (let i = 0, n = 0; i < entries.length; i += perItem, n++) {
    const part = entries.slice(i, i + perItem);
    index.starts.push(part[0] as TallyEntry);
    index.sizes.push(part.length);
    items.push({
      ...keys.activityTally(at.environmentId, at.reportId, list, attempt, n),
      entries: JSON.stringify(part),
      [REPORT_TTL_ATTRIBUTE]: expiresAt,
    });
  }
  items.push({
    ...keys.activityTally(at.environmentId, at.reportId, list, attempt, INDEX_ITEM),
    starts: JSON.stringify(index.starts),
    sizes: index.sizes,
    [REPORT_TTL_ATTRIBUTE]: expiresAt,
  });
  await batchPutAll(at.store, at.store.tables.reports, items);
  return items.length;
}

/** The indexes of one list written by the tallies `attempts` (in their order); a missing one is an error. */
export async function readTallyIndexes(
  at: TallyStore,
  list: string,
  attempts: readonly string[],
): Promise<TallyIndex[]> {
  const got = await batchGetAll<{ pk: string; starts: string; sizes: number[] }>(
    at.store,
    at.store.tables.reports,
    attempts.map((a) => keys.activityTally(at.environmentId, at.reportId, list, a, INDEX_ITEM)),
    { consistent: true },
  );
  const byPk = new Map(got.map((i) => [i.pk, i]));
  return attempts.map((a) => {
    const item = byPk.get(keys.activityTally(at.environmentId, at.reportId, list, a, INDEX_ITEM).pk);
    if (!item) throw new Error(`activity tally ${a} of ${list} not found`);
    return { starts: JSON.parse(item.starts) as TallyEntry[], sizes: item.sizes.map(Number) };
  });
}

/** A slice's lower bound: an entry, or the start / end of the whole order. */
export type SliceBound = TallyEntry | "start" | "end";

const atOrAfter = (e: TallyEntry, bound: SliceBound) =>
  bound === "start" || (bound !== "end" && compareEntries(e, bound) >= 0);
const after = (e: TallyEntry, bound: SliceBound) =>
  bound === "start" || (bound !== "end" && compareEntries(e, bound) > 0);
const before = (e: TallyEntry, bound: SliceBound) =>
  bound === "end" || (bound !== "start" && compareEntries(e, bound) < 0);

/**
 * The M + 1 bounds of M slices of the merged order: slice j = [bounds[j], bounds[j + 1]). Cut at item starts, each
 * slice taking items until it holds ≈ total / M entries (a slice may be empty when items are large).
 */
export function sliceBounds(indexes: readonly TallyIndex[], slices: number): SliceBound[] {
  const starts = indexes
    .flatMap((ix) => ix.starts.map((start, i) => ({ start, size: ix.sizes[i] as number })))
    .sort((a, b) => compareEntries(a.start, b.start));
  const total = starts.reduce((n, s) => n + s.size, 0);
  const bounds: SliceBound[] = ["start"];
  let seen = 0;
  for (const { start, size } of starts) {
    while (bounds.length < slices && seen >= (bounds.length * total) / slices && seen > 0) bounds.push(start);
    seen += size;
  }
  while (bounds.length < slices) bounds.push("end");
  bounds.push("end");
  return bounds;
}

/** The entries of every tally in [lo, hi): only the items overlapping it are read. Unsorted (rank sorts). */
export async function readSlice(
  at: TallyStore,
  list: string,
  attempts: readonly string[],
  indexes: readonly TallyIndex[],
  lo: SliceBound,
  hi: SliceBound,
): Promise<TallyEntry[]> {
  if (lo === "end" || hi === "start") return [];
  const wanted: Record<string, unknown>[] = [];
  indexes.forEach((ix, t) => {
    ix.starts.forEach((start, i) => {
      const next = ix.starts[i + 1];
      // Item i holds [start, next): it overlaps [lo, hi) when it begins before hi and ends after lo.
      if (before(start, hi) && (next === undefined || after(next, lo)))
        wanted.push(keys.activityTally(at.environmentId, at.reportId, list, attempts[t] as string, i));
    });
  });
  const items = await batchGetAll<{ entries: string }>(at.store, at.store.tables.reports, wanted, { consistent: true });
  const entries: TallyEntry[] = [];
  for (const item of items)
    for (const e of JSON.parse(item.entries) as TallyEntry[]) if (atOrAfter(e, lo) && before(e, hi)) entries.push(e);
  return entries;
}
