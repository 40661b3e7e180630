import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { backoff } from "../util/backoff.js";
import type { Store } from "./client.js";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const MAX_TRANSACTION_ITEMS = 100;
const MAX_CONFLICT_RETRIES = 8;

/**
 * Writes conditional items in transactions of up to 100, each together with `extra(n)` — the items that describe
 * the n writes it carries (typically one counter `ADD n`). A write whose condition fails is dropped and the rest
 * are sent again, so the extra items always match exactly the writes that happened: a retried or concurrent batch
 * can never count a member twice. Returns, per write, whether it was written.
 */
export async function transactConditionalWrites(
  store: Store,
  writes: TransactItem[],
  extra: (written: number) => TransactItem[] = () => [],
  extraItems = 0,
): Promise<boolean[]> {
  const written = new Array<boolean>(writes.length).fill(false);
  const chunkSize = MAX_TRANSACTION_ITEMS - extraItems;
  for (let start = 0; start < writes.length; start += chunkSize) {
    let pending = Array.from({ length: Math.min(chunkSize, writes.length - start) }, (_, i) => start + i);
    for (let attempt = 0; pending.length > 0; attempt++) {
      try {
        await store.doc.send(
          new TransactWriteCommand({
            TransactItems: [...pending.map((i) => writes[i] as TransactItem), ...extra(pending.length)],
          }),
        );
        for (const i of pending) written[i] = true;
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failed = new Set(pending.filter((_, j) => reasons[j]?.Code === "ConditionalCheckFailed"));
        if (failed.size === 0) {
          // Cancelled by a conflicting transaction or throttling: wait and try the same writes again.
          if (attempt >= MAX_CONFLICT_RETRIES) throw error;
          await backoff(attempt + 1);
        }
        pending = pending.filter((i) => !failed.has(i));
      }
    }
  }
  return written;
}
