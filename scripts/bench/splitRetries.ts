import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { batchIdOf, readBatches } from "../../lib/ingest/claims.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { createDocumentClient, type Store } from "../../lib/storage/client.js";
import { createTables } from "../../lib/storage/createTables.js";
import { bigRequestBodies, quantile } from "./bigRequest.js";

/**
 * `npm run bench -- --only split-retries [--batches 6]`: big pending batches sent again split, all at once (issue
 * 20's re-probe: 13 concurrent split retries of six 1,000-event pending batches answered 503 for ≈ 4.5 minutes).
 * Each batch is a 1,000-event request of the bench's mix (scripts/bench/bigRequest.ts, its users apart from the
 * other batches', its orgs shared) whose first attempt died at its first entity write: claimed, stored, its day
 * members and logs written, no user or org. Then every batch is sent again as two halves, and the first one whole
 * too, all at once through the local server, each request sent again after its `Retry-After` until it answers 200
 * (as a sender does). Prints the time until every batch completed, how many answers were 503, and each request's
 * time to its 200.
 */

export interface SplitRetryTimes {
  batches: number;
  requests: number;
  seconds: number;
  answered503: number;
  p50Seconds: number;
  maxSeconds: number;
  completed: number;
}

/** A store whose first user or org write fails, as a process dying there would (nothing after it is written). */
function dyingStore(store: Store): Store {
  const doc = createDocumentClient(process.env.DYNAMODB_ENDPOINT);
  doc.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { TransactItems?: unknown; Key?: { sk?: string }; Item?: { sk?: string } };
      const sk = input.Key?.sk ?? input.Item?.sk;
      if (input.TransactItems || sk === "USER" || sk === "ORG") throw new Error("bench: the first attempt dies here");
      return next(args);
    },
    { step: "initialize", name: "dieAtEntityWrite" },
  );
  return { doc, tables: store.tables };
}

export async function benchSplitRetries(store: Store, baseUrl: string, batches: number): Promise<SplitRetryTimes> {
  for (const TableName of Object.values(store.tables))
    await store.doc.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  await createTables(store);
  const { environment_id: e, api_key } = await createEnvironment(store, "bench-split-retries");
  const now = Date.now();
  const bodies = bigRequestBodies(0, 50_000, batches, now).map(
    (body) => (JSON.parse(body) as { events: { event_id: string }[] }).events,
  );
  const dying = dyingStore(store);
  for (const events of bodies) await ingestEvents(dying, e, events, now).catch(() => undefined);
  const requests = bodies.flatMap((events, b) => {
    const half = Math.ceil(events.length / 2);
    return [...(b === 0 ? [events] : []), events.slice(0, half), events.slice(half)];
  });
  let answered503 = 0;
  const started = performance.now();
  const send = async (events: unknown[]) => {
    for (;;) {
      const res = await fetch(`${baseUrl}/api/backend/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      const text = await res.text();
      if (res.status === 200) return (performance.now() - started) / 1000;
      if (res.status !== 503) throw new Error(`split retry: ${res.status} ${text}`);
      answered503 += 1;
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get("retry-after") ?? 1)));
    }
  };
  const times = (await Promise.all(requests.map(send))).sort((a, b) => a - b);
  const ids = bodies.map((events) => batchIdOf(events.map((event) => event.event_id)));
  const statuses = await readBatches(store, e, ids);
  return {
    batches,
    requests: requests.length,
    seconds: (performance.now() - started) / 1000,
    answered503,
    p50Seconds: quantile(times, 0.5),
    maxSeconds: times[times.length - 1] ?? Number.NaN,
    completed: ids.filter((id) => statuses.get(id)?.completed).length,
  };
}

export function printSplitRetries(t: SplitRetryTimes): void {
  console.log(
    `split retries: ${t.batches} pending batches of 1,000 events sent again as ${t.requests} requests at once: ` +
      `all answered 200 after ${t.seconds.toFixed(1)} s (p50 ${t.p50Seconds.toFixed(1)} s, max ` +
      `${t.maxSeconds.toFixed(1)} s); ${t.answered503} answers were 503; ${t.completed} of ${t.batches} batches completed`,
  );
}
