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
  const rows = stored.map(
    (row, i) =>
      ({
        id: rowId(pointer.report_id, report, interval, first + i),
        report_id: pointer.report_id,
        ...row,
      }) as ReportRow,
  );
  return { rows, total, reportTime: pointer.report_time };
}
