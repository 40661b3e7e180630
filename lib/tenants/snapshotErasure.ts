import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
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
 * become null. The erasure job (erasureJob.ts) walks a snapshot's user-report chunks page by page (∝ its user rows,
 * BatchGet 100 at a time, off the request path) and writes only the chunks holding the user.
 */

export const ROW_PERSONAL_FIELDS = ["username", "email", "first_name", "last_name"] as const;

type PersonRow = RankRow & Partial<Record<(typeof ROW_PERSONAL_FIELDS)[number], string | null>> & { user_id?: string };

/** The text a chunk holding the user's row contains (a filter for the offline sweep of earlier snapshots). */
export const rowNeedle = (userId: string) => JSON.stringify({ user_id: userId }).slice(1, -1);

/**
 * Every chunk key of the user reports of one snapshot (the pointer's), in a fixed order: what the erasure job walks
 * page by page, its cursor an index into this list.
 */
export function userChunkKeys(environmentId: string, pointer: CurrentReportItem): { pk: string; sk: number }[] {
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
  return chunkKeys;
}

/** The current snapshot pointer, or undefined before the first refresh. */
export async function currentSnapshot(store: Store, environmentId: string): Promise<CurrentReportItem | undefined> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId), ConsistentRead: true }),
  );
  return got.Item as CurrentReportItem | undefined;
}

/** Reads the chunks `chunkKeys` (BatchGet, strongly consistent) and rewrites the user's rows; returns rows erased. */
export async function eraseFromChunks(
  store: Store,
  chunkKeys: { pk: string; sk: number }[],
  userId: string,
): Promise<number> {
  const chunks = await batchGetAll<Record<string, unknown>>(store, store.tables.reports, chunkKeys, {
    consistent: true,
  });
  return rewriteRows(store, chunks, userId);
}

/** The chunk's rows without the user's personal fields, and how many rows changed. */
function withoutPerson(text: string, userId: string): { text: string; changed: number } {
  const rows = JSON.parse(text) as PersonRow[];
  let changed = 0;
  const erased = rows.map((row) => {
    if (row.user_id !== userId || ROW_PERSONAL_FIELDS.every((field) => (row[field] ?? null) === null)) return row;
    changed += 1;
    return { ...row, username: null, first_name: null, last_name: null, email: null };
  });
  return { text: JSON.stringify(erased), changed };
}

/**
 * Rewrites the chunk items holding a row of the user without its personal fields; returns the rows erased. Each
 * write is conditional on the rows it read: two erasures rewriting one chunk at once (two people on one page) must
 * not put back what the other removed, so the one that loses reads the chunk again and erases from that.
 */
export async function rewriteRows(store: Store, items: Record<string, unknown>[], userId: string): Promise<number> {
  let rewritten = 0;
  for (let item of items) {
    for (let attempt = 0; ; attempt++) {
      const text = item[RANK_ROWS_ATTRIBUTE];
      if (typeof text !== "string" || !text.includes(rowNeedle(userId))) break;
      const erased = withoutPerson(text, userId);
      if (erased.changed === 0) break;
      try {
        await store.doc.send(
          new PutCommand({
            TableName: store.tables.reports,
            Item: { ...item, [RANK_ROWS_ATTRIBUTE]: erased.text },
            ConditionExpression: "#rows = :read",
            ExpressionAttributeNames: { "#rows": RANK_ROWS_ATTRIBUTE },
            ExpressionAttributeValues: { ":read": text },
          }),
        );
        rewritten += erased.changed;
        break;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= 4) throw error;
        const again = await store.doc.send(
          new GetCommand({ TableName: store.tables.reports, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
        );
        if (!again.Item) break;
        item = again.Item;
      }
    }
  }
  return rewritten;
}
