import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../../lib/storage/client.js";

/**
 * Every item of every table of a test's store (a Scan: for tests only, never a request path), to check that a
 * refused request wrote nothing at all.
 */
export async function allItems(store: Store): Promise<string[]> {
  const items: string[] = [];
  for (const table of Object.values(store.tables)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) items.push(`${table} ${JSON.stringify(item)}`);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items.sort();
}
