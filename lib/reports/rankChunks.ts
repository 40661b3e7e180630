import { batchGetAll, batchPutAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { type ChunkRun, keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import type { OrgRow, UserRow } from "./types.js";

/**
 * A snapshot's rankings stored packed: a report × interval is a list of rows as of report_time, RANK_CHUNK_ROWS
 * rows per item, each chunk under a partition key of its own (one write per key per refresh: no hot partition).
 * Page k of size s is the chunks holding ranks [k·s, (k+1)·s): at most ⌈s / RANK_CHUNK_ROWS⌉ + 1 items, at any
 * depth. A row's `id` and `report_id` follow from the snapshot and the rank, so they are not stored.
 *
 * A list may be written in shards (the churn lists of big tenants, refreshParts.ts): consecutive rank ranges, each
 * by its own worker numbering its own chunks; the snapshot pointer lists the shards and their row counts in rank
 * order (`shards`), which is all a reader needs to find rank r's chunk.
 *
 * Each run of chunks is keyed by the part delivery (attempt) that wrote it, and the pointer names the attempt of
 * each list and shard (refreshRun.ts): a duplicate delivery of a part writes beside, never over, the chunks served.
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
    private readonly run: ChunkRun = {},
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
      ...keys.rankChunk(this.environmentId, this.reportId, this.report, this.interval, this.chunks++, this.run),
      [RANK_ROWS_ATTRIBUTE]: JSON.stringify(this.buffer),
      [REPORT_TTL_ATTRIBUTE]: this.expiresAt,
    });
    this.buffer = [];
  }
}

/** A consecutive range of a list's ranks written as one run of chunks: the whole list, or one of its shards. */
export interface ListSegment extends ChunkRun {
  /** Absent for a list that is not sharded. */
  shard?: string | undefined;
  /** The part delivery whose chunks these are; absent in snapshots made before attempts were recorded. */
  attempt?: string | undefined;
  rows: number;
}

/** The segments of one list of a snapshot, in rank order. */
export function listSegments(pointer: CurrentReportItem, listKey: string): ListSegment[] {
  const shards = pointer.shards?.[listKey];
  if (shards) return shards.map(([shard, rows, attempt]) => ({ shard, rows, attempt }));
  return [{ rows: pointer.counts?.[listKey] ?? 0, attempt: pointer.attempts?.[listKey] }];
}

/** Where one list of one snapshot is stored: its keys' parts and its segments. */
export interface StoredList {
  environmentId: string;
  reportId: string;
  report: string;
  interval: string;
  segments: ListSegment[];
}

interface ChunkRange {
  key: { pk: string; sk: number };
  /** The rank of the chunk's first row in the whole list. */
  base: number;
}

/** The chunks of one list holding ranks `first..last` (inclusive), across its segments. */
function chunksHolding(list: StoredList, first: number, last: number): ChunkRange[] {
  const { environmentId, reportId, report, interval } = list;
  const chunks: ChunkRange[] = [];
  let start = 0;
  for (const { shard, attempt, rows } of list.segments) {
    const end = start + rows - 1;
    if (rows > 0 && end >= first && start <= last) {
      const from = Math.floor((Math.max(first, start) - start) / RANK_CHUNK_ROWS);
      const to = Math.floor((Math.min(last, end) - start) / RANK_CHUNK_ROWS);
      for (let c = from; c <= to; c++)
        chunks.push({
          key: keys.rankChunk(environmentId, reportId, report, interval, c, { shard, attempt }),
          base: start + c * RANK_CHUNK_ROWS,
        });
    }
    start += rows;
  }
  return chunks;
}

/** Every chunk key of one list (erasure rewrites a person's rows wherever they are). */
export function allChunkKeys(list: StoredList): { pk: string; sk: number }[] {
  const total = list.segments.reduce((n, s) => n + s.rows, 0);
  if (total === 0) return [];
  return chunksHolding(list, 0, total - 1).map((c) => c.key);
}

/**
 * Rank rows `first..last` (inclusive) of one list: one BatchGet of the chunks holding them, strongly consistent
 * (⌈s/20⌉ + 1 items, one more where the range spans two shards).
 */
export async function readRankRows(store: Store, list: StoredList, first: number, last: number): Promise<RankRow[]> {
  const chunks = chunksHolding(list, first, last);
  // Chunks are written before the pointer switch: a strongly consistent read never misses one.
  const items = await batchGetAll<{ pk: string; rows: string }>(
    store,
    store.tables.reports,
    chunks.map((c) => c.key),
    { consistent: true },
  );
  const byPk = new Map(items.map((i) => [i.pk, JSON.parse(i[RANK_ROWS_ATTRIBUTE as "rows"]) as RankRow[]]));
  const rows: RankRow[] = [];
  for (const { key, base } of chunks) {
    const chunk = byPk.get(key.pk) ?? [];
    for (let i = Math.max(first - base, 0); i < chunk.length && base + i <= last; i++) rows.push(chunk[i] as RankRow);
  }
  return rows;
}
