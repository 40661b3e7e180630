import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { REPORTS } from "../reports/definitions.js";
import { ROW_ATTRIBUTE } from "../reports/snapshot.js";
import type { UserRow } from "../reports/types.js";
import { queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";

/**
 * Erasing a user from report snapshot rows (`user.erased`, `user erase`): everything here knows the snapshot layout
 * of lib/reports, so a change of that layout changes only this file. Rows keep their place, rank and counts; only
 * the person's descriptive fields become null.
 */

export const ROW_PERSONAL_FIELDS = ["username", "email", "first_name", "last_name"] as const;

/** A user row without the person's fields. */
export function erasedRow(row: UserRow): UserRow {
  return { ...row, username: null, first_name: null, last_name: null, email: null };
}

export const rowNeedle = (userId: string) => JSON.stringify({ user_id: userId }).slice(1, -1);

/**
 * The current snapshot's rows of the user, rewritten without its personal fields. Kept in this one function so a
 * change of the snapshot layout (lib/reports) changes only this.
 */
export async function eraseFromCurrentSnapshot(store: Store, environmentId: string, userId: string): Promise<number> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId), ConsistentRead: true }),
  );
  const pointer = got.Item as CurrentReportItem | undefined;
  if (!pointer) return 0;
  let rewritten = 0;
  for (const { name, subject, intervals } of REPORTS) {
    if (subject !== "user") continue;
    for (const interval of intervals) {
      const rows = await queryAll<Record<string, unknown>>(store, {
        TableName: store.tables.reports,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "contains(#row, :needle)",
        ExpressionAttributeNames: { "#row": ROW_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":pk": keys.reportRowsPk(environmentId, pointer.report_id, name, interval),
          ":needle": rowNeedle(userId),
        },
      });
      rewritten += await rewriteRows(store, rows, userId);
    }
  }
  return rewritten;
}

export async function rewriteRows(store: Store, items: Record<string, unknown>[], userId: string): Promise<number> {
  let rewritten = 0;
  for (const item of items) {
    const row = JSON.parse(item[ROW_ATTRIBUTE] as string) as UserRow;
    if (row.user_id !== userId || ROW_PERSONAL_FIELDS.every((field) => row[field] === null)) continue;
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.reports,
        Item: { ...item, [ROW_ATTRIBUTE]: JSON.stringify(erasedRow(row)) },
      }),
    );
    rewritten += 1;
  }
  return rewritten;
}
