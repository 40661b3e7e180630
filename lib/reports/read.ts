import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { getEnvironment } from "../auth/credentials.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { rowId } from "./compute.js";
import { countKey, type ReportName } from "./definitions.js";
import { listSegments, readRankRows } from "./rankChunks.js";
import type { ReportRow } from "./types.js";

/**
 * Page k of a report of the current snapshot: one GetItem of the pointer, then one BatchGet of the rank chunks
 * holding ranks [k·s, (k+1)·s) — the cost follows the page, never the report's length (CONTRACT §7). Every field
 * of a row is as of report_time.
 */

export interface ReportPage {
  rows: ReportRow[];
  total: number;
  reportTime: number;
}

export async function currentPointer(store: Store, environmentId: string): Promise<CurrentReportItem> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId), ConsistentRead: true }),
  );
  if (got.Item) return got.Item as CurrentReportItem;
  // Every environment gets an empty snapshot at creation; this only covers data written before that rule.
  const environment = await getEnvironment(store, environmentId);
  return { report_id: "initial", report_time: environment ? toUnixSeconds(environment.created_at) : 0, counts: {} };
}

export async function readReportPage(
  store: Store,
  environmentId: string,
  report: ReportName,
  interval: string,
  pageNumber: number,
  pageSize: number,
): Promise<ReportPage> {
  const pointer = await currentPointer(store, environmentId);
  const total = pointer.counts?.[countKey(report, interval)] ?? 0;
  const first = pageNumber * pageSize;
  if (first >= total) return { rows: [], total, reportTime: pointer.report_time };
  const last = Math.min(first + pageSize, total) - 1;
  const segments = listSegments(pointer, countKey(report, interval));
  const list = { environmentId, reportId: pointer.report_id, report, interval, segments };
  const stored = await readRankRows(store, list, first, last);
  return { rows: withIds(pointer, report, interval, first, stored), total, reportTime: pointer.report_time };
}

function withIds(
  pointer: CurrentReportItem,
  report: ReportName,
  interval: string,
  first: number,
  stored: Awaited<ReturnType<typeof readRankRows>>,
): ReportRow[] {
  return stored.map(
    (row, i) =>
      ({
        id: rowId(pointer.report_id, report, interval, first + i),
        report_id: pointer.report_id,
        ...row,
      }) as ReportRow,
  );
}

/** Rows read per storage call when a whole report is read (a CSV download). */
export const ALL_ROWS_CHUNK = 1000;

export interface AllReportRows {
  total: number;
  reportTime: number;
  /** The rows in order, a chunk at a time: read as they are asked for, so a long report is never held whole. */
  chunks: AsyncGenerator<ReportRow[]>;
}

/**
 * Every row of a report of the current snapshot (CSV, CONTRACT §12), all from the snapshot current when the call
 * began (one pointer read), read as the same page reads as readReportPage in chunks of ALL_ROWS_CHUNK: the cost is
 * that of reading every page once, the memory one chunk.
 */
export async function readAllReportRows(
  store: Store,
  environmentId: string,
  report: ReportName,
  interval: string,
  chunkSize = ALL_ROWS_CHUNK,
): Promise<AllReportRows> {
  const pointer = await currentPointer(store, environmentId);
  const total = pointer.counts?.[countKey(report, interval)] ?? 0;
  const segments = listSegments(pointer, countKey(report, interval));
  const list = { environmentId, reportId: pointer.report_id, report, interval, segments };
  async function* chunks(): AsyncGenerator<ReportRow[]> {
    for (let first = 0; first < total; first += chunkSize) {
      const last = Math.min(first + chunkSize, total) - 1;
      yield withIds(pointer, report, interval, first, await readRankRows(store, list, first, last));
    }
  }
  return { total, reportTime: pointer.report_time, chunks: chunks() };
}
