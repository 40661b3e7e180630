import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { batchPutAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys, REPORT_TTL_ATTRIBUTE } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { type ComputedReport, reportCounts } from "./compute.js";

/**
 * Writing a snapshot (CONTRACT §7): every row of every report under a fresh report id first, then the
 * `REPORT#current` pointer is switched in one conditional Put. Readers only follow the pointer, so a refresh that
 * fails midway leaves the previous snapshot served; its orphan rows expire through the TTL.
 */

/** Rows outlive any snapshot that can still be current or being read (refreshes are hourly). */
const ROW_TTL_SECONDS = 7 * 24 * 60 * 60;

/** The name of the stored row attribute: the row as JSON text, returned to clients as is. */
export const ROW_ATTRIBUTE = "row";

/** A snapshot at T exists already that is newer than this one: this refresh changed nothing. */
export class SupersededSnapshotError extends Error {
  constructor(readonly currentReportTime: number) {
    super(`a newer report snapshot (report_time ${currentReportTime}) is already current`);
    this.name = "SupersededSnapshotError";
  }
}

/** A fresh, time-ordered snapshot id. */
export function newReportId(time: number): string {
  return `${toUnixSeconds(time)}-${randomUUID().slice(0, 8)}`;
}

export interface SnapshotOptions {
  /**
   * Make this snapshot current even over a newer one: an operator's explicit `refresh --now` in the past asks for
   * exactly that instant. Scheduled jobs leave it off, so a slow older job never replaces a newer snapshot.
   */
  replaceNewer?: boolean;
}

export async function writeSnapshot(
  store: Store,
  environmentId: string,
  reportId: string,
  time: number,
  reports: readonly ComputedReport[],
  options: SnapshotOptions = {},
): Promise<CurrentReportItem> {
  const reportTime = toUnixSeconds(time);
  const expiresAt = reportTime + ROW_TTL_SECONDS;
  const items = reports.flatMap(({ report, interval, rows }) =>
    rows.map((row, rank) => ({
      pk: keys.reportRowsPk(environmentId, reportId, report, interval),
      sk: rank,
      [ROW_ATTRIBUTE]: JSON.stringify(row),
      [REPORT_TTL_ATTRIBUTE]: expiresAt,
    })),
  );
  await batchPutAll(store, store.tables.reports, items);

  const pointer: CurrentReportItem = { report_id: reportId, report_time: reportTime, counts: reportCounts(reports) };
  try {
    // Never replaces a newer snapshot. An equal report_time may be replaced: a re-run of the same job (an SQS
    // redelivery, an admin re-run at the same --now) recomputes the same instant from at least as much data.
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.entities,
        Item: { ...keys.currentReport(environmentId), ...pointer },
        ...(options.replaceNewer
          ? {}
          : {
              ConditionExpression: "attribute_not_exists(pk) OR report_time <= :t",
              ExpressionAttributeValues: { ":t": reportTime },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
            }),
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
      // The exception carries the old item in DynamoDB's wire form ({"N": "…"}): the document client leaves it so.
      const current = (error as { Item?: Record<string, { N?: string } | number> }).Item?.report_time;
      throw new SupersededSnapshotError(typeof current === "number" ? current : Number(current?.N));
    }
    throw error;
  }
  return pointer;
}
