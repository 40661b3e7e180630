import { createHash } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { rowId } from "../reports/compute.js";
import { countKey, REPORTS, type ReportName } from "../reports/definitions.js";
import { listSegments, readRankRows, type StoredList } from "../reports/rankChunks.js";
import { pointerOf, type RunItem } from "../reports/refreshRun.js";
import type { ReportRow } from "../reports/types.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { listWebhooks, parseReportName, type WebhookItem } from "./subscriptions.js";

/**
 * The webhook dispatch (CONTRACT §12), off the refresh's path: the refresh only queues `{environment_id,
 * report_id, previous_report_id}` when it switches the pointer; this reads both snapshots' lists of every
 * subscribed report × interval, finds the rows that entered (id in the new list, not in the previous), and cuts
 * them into deliveries of ≤ DELIVERY_ROWS rows for each webhook. A delivery's id (`webhook-id`) derives from the
 * webhook, the snapshot, the list and the delivery's index, and its payload from the snapshots alone, so a
 * redelivered dispatch queues the very same deliveries (receivers dedupe on `webhook-id`).
 *
 * Both snapshots are found by their run items (refreshRun.ts: counts, shards and attempts, as the pointer had
 * them); they expire with the snapshot's rows (7 days), long after the dispatch. The environment's first snapshot
 * (replacing the empty `initial` one) sends nothing, as does a snapshot whose previous has expired.
 * Cost: every row of both snapshots' subscribed lists is read once (in chunks of READ_ROWS), the previous list's
 * ids held as a set.
 */

export interface DispatchJob {
  environment_id: string;
  report_id: string;
  previous_report_id?: string;
}

/** One delivery: what the delivery queue carries, whole (a payload of 100 rows is ≈ 40 KB, under SQS's 256 KB). */
export interface DeliveryJob {
  environment_id: string;
  webhook_id: string;
  /** `webhook-id`: the same on every attempt and every redelivery of the dispatch. */
  delivery_id: string;
  /** The JSON body, as signed. */
  payload: string;
}

export interface ReportEnteredPayload {
  type: "report.entered";
  report: ReportName;
  report_interval: string;
  report_time: number;
  previous_report_time: number;
  rows: ReportRow[];
}

export const DELIVERY_ROWS = 100;
const READ_ROWS = 1000;

/** The dispatch job of a switched pointer (what the refresh queues), or none for a pointer that names no previous. */
export function dispatchJobOf(environmentId: string, pointer: CurrentReportItem): DispatchJob | undefined {
  if (pointer.previous_report_id === undefined || pointer.previous_report_id === pointer.report_id) return undefined;
  return {
    environment_id: environmentId,
    report_id: pointer.report_id,
    previous_report_id: pointer.previous_report_id,
  };
}

/** `msg_` and 24 base64url characters of the SHA-256 of what identifies the delivery. */
export function deliveryId(webhookId: string, reportId: string, listKey: string, index: number): string {
  const digest = createHash("sha256").update(`${webhookId}\n${reportId}\n${listKey}\n${index}`).digest("base64url");
  return `msg_${digest.slice(0, 24)}`;
}

async function snapshotOf(store: Store, environmentId: string, reportId: string) {
  const got = await store.doc.send(
    new GetCommand({
      TableName: store.tables.reports,
      Key: keys.refreshRun(environmentId, reportId),
      ConsistentRead: true,
    }),
  );
  return got.Item ? pointerOf(got.Item as RunItem) : undefined;
}

async function* listRows(
  store: Store,
  environmentId: string,
  pointer: CurrentReportItem,
  report: ReportName,
  interval: string,
) {
  const key = countKey(report, interval);
  const total = pointer.counts?.[key] ?? 0;
  const list: StoredList = {
    environmentId,
    reportId: pointer.report_id,
    report,
    interval,
    segments: listSegments(pointer, key),
  };
  for (let first = 0; first < total; first += READ_ROWS) {
    const last = Math.min(first + READ_ROWS, total) - 1;
    const rows = await readRankRows(store, list, first, last);
    yield rows.map(
      (row, i) =>
        ({
          id: rowId(pointer.report_id, report, interval, first + i),
          report_id: pointer.report_id,
          ...row,
        }) as ReportRow,
    );
  }
}

/** The subject id of a row: what "entered" compares. */
const subjectId = (row: ReportRow) => ("user_id" in row ? row.user_id : row.org_id);

/** The rows of `report × interval` in `next` whose subject is not in `previous`, in `next`'s rank order. */
export async function enteredRows(
  store: Store,
  environmentId: string,
  previous: CurrentReportItem,
  next: CurrentReportItem,
  report: ReportName,
  interval: string,
): Promise<ReportRow[]> {
  const before = new Set<string>();
  for await (const rows of listRows(store, environmentId, previous, report, interval))
    for (const r of rows) before.add(subjectId(r));
  const entered: ReportRow[] = [];
  for await (const rows of listRows(store, environmentId, next, report, interval))
    for (const r of rows) if (!before.has(subjectId(r))) entered.push(r);
  return entered;
}

/**
 * Plans the deliveries of one dispatch job, handing them to `send` one report × interval at a time (so a long list
 * of entered rows is never queued in one call). Resolves to the number of deliveries.
 */
export async function dispatchDeliveries(
  store: Store,
  job: DispatchJob,
  send: (deliveries: DeliveryJob[]) => Promise<void>,
): Promise<number> {
  const { environment_id: environmentId, report_id: reportId, previous_report_id: previousId } = job;
  if (previousId === undefined || previousId === "initial") return 0;
  const webhooks = await listWebhooks(store, environmentId);
  if (webhooks.length === 0) return 0;
  const [next, previous] = await Promise.all([
    snapshotOf(store, environmentId, reportId),
    snapshotOf(store, environmentId, previousId),
  ]);
  if (!next || !previous) return 0;
  const byList = new Map<string, WebhookItem[]>();
  for (const webhook of webhooks)
    for (const name of webhook.reports) byList.set(name, [...(byList.get(name) ?? []), webhook]);
  let queued = 0;
  for (const [name, subscribers] of byList) {
    const { report, interval } = parseReportName(name);
    if (!REPORTS.some((r) => r.name === report)) continue;
    const rows = await enteredRows(store, environmentId, previous, next, report, interval);
    const deliveries: DeliveryJob[] = [];
    for (const webhook of subscribers) {
      for (let i = 0; i * DELIVERY_ROWS < rows.length; i++) {
        const payload: ReportEnteredPayload = {
          type: "report.entered",
          report,
          report_interval: interval,
          report_time: next.report_time,
          previous_report_time: previous.report_time,
          rows: rows.slice(i * DELIVERY_ROWS, (i + 1) * DELIVERY_ROWS),
        };
        deliveries.push({
          environment_id: environmentId,
          webhook_id: webhook.webhook_id,
          delivery_id: deliveryId(webhook.webhook_id, reportId, countKey(report, interval), i),
          payload: JSON.stringify(payload),
        });
      }
    }
    if (deliveries.length > 0) await send(deliveries);
    queued += deliveries.length;
  }
  return queued;
}
