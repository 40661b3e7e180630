import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
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

/** Times the switch re-reads the pointer when another switch landed between its read and its write. */
const SWITCH_TRIES = 5;

/**
 * Switches the pointer to a snapshot whose rows are all written, naming the snapshot it replaces
 * (`previous_report_id`, for the webhook dispatch). A re-switch of the same snapshot (a redelivered part) keeps the
 * previous it recorded the first time. The write is conditional on the pointer read (optimistic): a concurrent
 * switch in between makes it read again, so `previous` is always the snapshot actually replaced.
 */
export async function switchPointer(
  store: Store,
  environmentId: string,
  pointer: CurrentReportItem,
  options: SnapshotOptions = {},
): Promise<CurrentReportItem> {
  const { previous_report_id: _id, previous_report_time: _time, ...own } = pointer;
  for (let attempt = 1; ; attempt++) {
    const seen = (
      await store.doc.send(
        new GetCommand({
          TableName: store.tables.entities,
          Key: keys.currentReport(environmentId),
          ConsistentRead: true,
        }),
      )
    ).Item as CurrentReportItem | undefined;
    // Never replaces a newer snapshot. An equal report_time may be replaced: a re-run of the same job (an SQS
    // redelivery, an admin re-run at the same --now) recomputes the same instant from at least as much data.
    if (seen && !options.replaceNewer && seen.report_time > own.report_time)
      throw new SupersededSnapshotError(seen.report_time);
    const previous =
      seen === undefined
        ? {}
        : seen.report_id === own.report_id
          ? seen.previous_report_id === undefined
            ? {}
            : { previous_report_id: seen.previous_report_id, previous_report_time: seen.previous_report_time }
          : { previous_report_id: seen.report_id, previous_report_time: seen.report_time };
    const switched: CurrentReportItem = { ...own, ...previous };
    try {
      await store.doc.send(
        new PutCommand({
          TableName: store.tables.entities,
          Item: { ...keys.currentReport(environmentId), ...switched },
          ...(seen
            ? {
                ConditionExpression: "report_id = :seen AND report_time = :seenTime",
                ExpressionAttributeValues: { ":seen": seen.report_id, ":seenTime": seen.report_time },
              }
            : { ConditionExpression: "attribute_not_exists(pk)" }),
        }),
      );
      return switched;
    } catch (error) {
      if (!(error instanceof Error && error.name === "ConditionalCheckFailedException") || attempt >= SWITCH_TRIES)
        throw error;
      // Another switch landed between the read and the write: read it again (it may be newer: superseded).
    }
  }
}
