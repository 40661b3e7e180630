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

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Every item of an environment in the three tables, comparable across environments: the environment id and drawn
 * ids (batch ids) replaced, the instant a batch completed dropped, the environment's own record left out.
 */
export async function environmentItems(store: Store, environmentId: string): Promise<string[]> {
  const items: string[] = [];
  for (const table of Object.values(store.tables)) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      // A test reading its own tables whole: Scan is fine here (never on a request path).
      const page = await store.doc.send(
        new ScanCommand({
          TableName: table,
          ExclusiveStartKey,
          ConsistentRead: true,
          FilterExpression: "begins_with(pk, :e)",
          ExpressionAttributeValues: { ":e": `E#${environmentId}` },
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        if (!pk.startsWith(`E#${environmentId}`)) continue;
        if (pk === `E#${environmentId}` && (item.sk === "ENV" || String(item.sk).startsWith("REPORT#"))) continue;
        const { completed_at, ...rest } = item;
        items.push(
          `${table.replace(/^[^-]+-/, "")} ${JSON.stringify(rest).replaceAll(environmentId, "ENV").replace(UUID, "UUID")}`,
        );
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return items.sort();
}
