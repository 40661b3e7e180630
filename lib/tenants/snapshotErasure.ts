import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { countKey, REPORTS } from "../reports/definitions.js";
import { allChunkKeys, listSegments, RANK_ROWS_ATTRIBUTE, type RankRow } from "../reports/rankChunks.js";
import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";

/**
 * Erasing a user from report snapshot rows (`user.erased`, `user erase`): everything here knows the snapshot layout
 * of lib/reports (rank rows packed in chunk items, maybe in shards: lib/reports/rankChunks.ts), so a change of that
 * layout changes only this file. Rows keep their place, rank and counts; only the person's descriptive fields
 * become null. Cost: the current snapshot's user-report chunks are read (∝ its user rows, BatchGet 100 at a time)
 * and only the chunks holding the user are written.
 */

export const ROW_PERSONAL_FIELDS = ["username", "email", "first_name", "last_name"] as const;

type PersonRow = RankRow & Partial<Record<(typeof ROW_PERSONAL_FIELDS)[number], string | null>> & { user_id?: string };

/** The text a chunk holding the user's row contains (a filter for the offline sweep of earlier snapshots). */
export const rowNeedle = (userId: string) => JSON.stringify({ user_id: userId }).slice(1, -1);

/** The current snapshot's rows of the user, rewritten without its personal fields. */
export async function eraseFromCurrentSnapshot(store: Store, environmentId: string, userId: string): Promise<number> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId), ConsistentRead: true }),
  );
  const pointer = got.Item as CurrentReportItem | undefined;
  if (!pointer) return 0;
  const chunkKeys = [];
  for (const { name, subject, intervals } of REPORTS) {
    if (subject !== "user") continue;
    for (const interval of intervals)
      chunkKeys.push(
        ...allChunkKeys({
          environmentId,
          reportId: pointer.report_id,
          report: name,
          interval,
          segments: listSegments(pointer, countKey(name, interval)),
        }),
      );
  }
  const chunks = await batchGetAll<Record<string, unknown>>(store, store.tables.reports, chunkKeys, {
    consistent: true,
  });
  return rewriteRows(store, chunks, userId);
}

/** Rewrites the chunk items holding a row of the user without its personal fields; returns the rows erased. */
export async function rewriteRows(store: Store, items: Record<string, unknown>[], userId: string): Promise<number> {
  let rewritten = 0;
  for (const item of items) {
    const text = item[RANK_ROWS_ATTRIBUTE];
    if (typeof text !== "string" || !text.includes(rowNeedle(userId))) continue;
    const rows = JSON.parse(text) as PersonRow[];
    let changed = 0;
    const erased = rows.map((row) => {
      if (row.user_id !== userId || ROW_PERSONAL_FIELDS.every((field) => (row[field] ?? null) === null)) return row;
      changed += 1;
      return { ...row, username: null, first_name: null, last_name: null, email: null };
    });
    if (changed === 0) continue;
    await store.doc.send(
      new PutCommand({
        TableName: store.tables.reports,
        Item: { ...item, [RANK_ROWS_ATTRIBUTE]: JSON.stringify(erased) },
      }),
    );
    rewritten += changed;
  }
  return rewritten;
}
