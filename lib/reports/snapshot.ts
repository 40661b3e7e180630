import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";

/**
 * Making a snapshot current (CONTRACT §7): its rank lists are written first under a fresh report id (refreshRun.ts),
 * then the `REPORT#current` pointer is switched in one conditional Put. Readers only follow the pointer, so a
 * refresh that fails midway leaves the previous snapshot served; its orphan chunks expire through the TTL.
 */

/** Rows outlive any snapshot that can still be current or being read (refreshes are hourly). */
export const ROW_TTL_SECONDS = 7 * 24 * 60 * 60;

/** A snapshot at T exists already that is newer than this one: this refresh changed nothing. */
export class SupersededSnapshotError extends Error {
  constructor(readonly currentReportTime: number) {
    super(`a newer report snapshot (report_time ${currentReportTime}) is already current`);
    this.name = "SupersededSnapshotError";
  }
}

/** A time-ordered snapshot id; `suffix` makes it deterministic (a queued job's message id), else it is random. */
export function newReportId(time: number, suffix: string = randomUUID()): string {
  return `${toUnixSeconds(time)}-${suffix.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}`;
}

export interface SnapshotOptions {
  /**
   * Make this snapshot current even over a newer one: an operator's explicit `refresh --now` in the past asks for
   * exactly that instant. Scheduled jobs leave it off, so a slow older job never replaces a newer snapshot.
   */
  replaceNewer?: boolean;
}

/** Switches the pointer to a snapshot whose rows are all written. */
export async function switchPointer(
  store: Store,
  environmentId: string,
  pointer: CurrentReportItem,
  options: SnapshotOptions = {},
): Promise<CurrentReportItem> {
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
              ExpressionAttributeValues: { ":t": pointer.report_time },
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
