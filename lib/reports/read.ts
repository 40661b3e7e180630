import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { getEnvironment } from "../auth/credentials.js";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { countKey, type ReportName } from "./definitions.js";
import { ROW_ATTRIBUTE } from "./snapshot.js";
import type { ReportRow } from "./types.js";

/**
 * Page k of a report of the current snapshot: one GetItem of the pointer, then one Query of the rank range
 * [k·s, (k+1)·s − 1] — the cost follows the page, never the report's length (CONTRACT §7).
 */

export interface ReportPage {
  rows: ReportRow[];
  total: number;
  reportTime: number;
}

async function currentPointer(store: Store, environmentId: string): Promise<CurrentReportItem> {
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
  const rows: ReportRow[] = [];
  if (first < total) {
    const last = Math.min(first + pageSize, total) - 1;
    const items = await queryAll(store, {
      TableName: store.tables.reports,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
      ExpressionAttributeValues: {
        ":pk": keys.reportRowsPk(environmentId, pointer.report_id, report, interval),
        ":first": first,
        ":last": last,
      },
      // Rows are written just before the pointer switch: a strongly consistent read never misses one.
      ConsistentRead: true,
    });
    for (const item of items) rows.push(JSON.parse(item[ROW_ATTRIBUTE] as string) as ReportRow);
  }
  return { rows, total, reportTime: pointer.report_time };
}
