import { request } from "node:http";
import { batchPutAll } from "../../lib/storage/batch.js";
import type { Store } from "../../lib/storage/client.js";
import type { ActivitySetItem } from "../../lib/storage/items.js";
import { dayCountItems } from "../../lib/storage/monthCounters.js";
import { keys } from "../../lib/storage/tableDesign.js";

/**
 * Day sets of active users written straight into the activity table, in the shapes ingestion stores (a set item per
 * user and day, the day's count in its month counter item: lib/storage/items.ts, monthCounters.ts), for tenants too big to ingest within a test (DynamoDB Local
 * takes ~60–100 events/s here, BatchWrite ~5,000 items/s). As scripts/bench/seed.ts does for the refresh.
 */
export async function seedActiveDays(
  store: Store,
  environmentId: string,
  days: { day: string; userIds: readonly string[] }[],
): Promise<void> {
  const at = (day: string) => Date.parse(`${day}T12:00:00.000Z`);
  const items = dayCountItems(
    environmentId,
    "active_users",
    days.map(({ day, userIds }) => [day, userIds.length]),
  );
  for (const { day, userIds } of days) {
    for (const id of userIds) {
      const member: ActivitySetItem = { min_at: at(day), max_at: at(day) };
      items.push({ ...keys.activitySet(environmentId, "active_users", "day", day, id), ...member });
    }
  }
  await batchPutAll(store, store.tables.activity, items);
}

export interface FetchedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body's bytes as sent (not inflated). */
  body: Buffer;
  /** Milliseconds from the request to the first body byte, and to the last. */
  firstByteMs: number;
  totalMs: number;
}

/** GET through Node's client, the body as sent (fetch would inflate it); rejects if the connection is cut short. */
export function fetchRaw(url: string, headers: Record<string, string>): Promise<FetchedResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      let firstByteMs = -1;
      res.on("data", (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - started;
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          firstByteMs,
          totalMs: performance.now() - started,
        }),
      );
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("response cut short")));
    });
    req.on("error", reject);
    req.end();
  });
}
