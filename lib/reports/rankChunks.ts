import { batchGetAll, batchPutAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import type { OrgRow, UserRow } from "./types.js";

/**
 * A snapshot's rankings stored packed: a report × interval is a list of rows as of report_time, RANK_CHUNK_ROWS
 * rows per item, each chunk under a partition key of its own (one write per key per refresh: no hot partition).
 * Page k of size s is the chunks holding ranks [k·s, (k+1)·s): at most ⌈s / RANK_CHUNK_ROWS⌉ + 1 items, at any
 * depth. A row's `id` and `report_id` follow from the snapshot and the rank, so they are not stored.
 */

/** A report row without `id` / `report_id`. */
export type RankRow = Omit<UserRow, "id" | "report_id"> | Omit<OrgRow, "id" | "report_id">;

/**
 * 20 rows (≈ 6 KB, 2 read units): a page of 10 reads 1–2 chunks, as many units as the one-item-per-row layout's
 * Query did, and a refresh of 175,000 rows (a 50k-user tenant) writes 8,750 items instead of 175,000.
 */
export const RANK_CHUNK_ROWS = 20;
export const RANK_ROWS_ATTRIBUTE = "rows";
/** Chunks sealed before a write: 25 is one BatchWrite. */
const WRITE_BATCH = 25;

/** Appends rank rows in rank order and writes them chunk by chunk, holding at most one batch of chunks. */
export class RankListWriter {
  private buffer: RankRow[] = [];
  private sealed: Record<string, unknown>[] = [];
  private chunks = 0;
  /** Rows added so far (the list's `total_count`). */
  count = 0;
  /** Items written so far. */
  itemsWritten = 0;

  constructor(
    private readonly store: Store,
    private readonly environmentId: string,
    private readonly reportId: string,
    readonly report: string,
    readonly interval: string,
    private readonly expiresAt: number,
  ) {}

  add(row: RankRow): void {
    this.buffer.push(row);
    this.count++;
    if (this.buffer.length === RANK_CHUNK_ROWS) this.seal();
  }

  /** Writes the sealed chunks once a batch is full (or everything, at the end). */
  async flush(final = false): Promise<void> {
    if (final) this.seal();
    if (this.sealed.length === 0 || (!final && this.sealed.length < WRITE_BATCH)) return;
    const items = this.sealed;
    this.sealed = [];
    await batchPutAll(this.store, this.store.tables.reports, items);
    this.itemsWritten += items.length;
  }

  private seal(): void {
    if (this.buffer.length === 0) return;
    this.sealed.push({
      ...keys.rankChunk(this.environmentId, this.reportId, this.report, this.interval, this.chunks++),
      [RANK_ROWS_ATTRIBUTE]: JSON.stringify(this.buffer),
      [REPORT_TTL_ATTRIBUTE]: this.expiresAt,
    });
    this.buffer = [];
  }
}

/** Rank rows `first..last` (inclusive) of one list: one BatchGet of the chunks holding them, strongly consistent. */
export async function readRankRows(
  store: Store,
  environmentId: string,
  reportId: string,
  report: string,
  interval: string,
  first: number,
  last: number,
): Promise<RankRow[]> {
  const from = Math.floor(first / RANK_CHUNK_ROWS);
  const to = Math.floor(last / RANK_CHUNK_ROWS);
  const chunkKeys = [];
  for (let c = from; c <= to; c++) chunkKeys.push(keys.rankChunk(environmentId, reportId, report, interval, c));
  // Chunks are written before the pointer switch: a strongly consistent read never misses one.
  const items = await batchGetAll<{ pk: string; rows: string }>(store, store.tables.reports, chunkKeys, {
    consistent: true,
  });
  const byPk = new Map(items.map((i) => [i.pk, JSON.parse(i[RANK_ROWS_ATTRIBUTE as "rows"]) as RankRow[]]));
  const rows: RankRow[] = [];
  for (let c = from; c <= to; c++) {
    const chunk = byPk.get(keys.rankChunk(environmentId, reportId, report, interval, c).pk) ?? [];
    const base = c * RANK_CHUNK_ROWS;
    for (let i = Math.max(first - base, 0); i < chunk.length && base + i <= last; i++) rows.push(chunk[i] as RankRow);
  }
  return rows;
}
