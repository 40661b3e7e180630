import { applyEvents } from "../../lib/ingest/applyEvents.js";
import { validateEvents } from "../../lib/ingest/validate.js";
import type { ActivityMetric, Cadence } from "../../lib/storage/tableDesign.js";
import { dayOf, monthOf, weekOf } from "../../lib/time.js";

/**
 * What ingestion leaves in the counter partitions, computed in memory: the ingestion's pure rules (applyEvents)
 * over one batch, then one count per (metric, cadence, bucket) — distinct ids for the active metrics, creations
 * (at their final created_at) for signups / orgs_created. Lets the chart layer be checked on hundreds of
 * histories without DynamoDB; the end-to-end property test checks the stored counters on fewer.
 */
export type CounterModel = Map<string, Map<string, number>>;

const BUCKET_OF: Record<Cadence, (ms: number) => string> = { day: dayOf, week: weekOf, month: monthOf };

export const counterKey = (metric: ActivityMetric, cadence: Cadence) => `${metric}#${cadence}`;

export function counterModel(wireEvents: unknown[], now: number): CounterModel {
  const validation = validateEvents(wireEvents, now);
  if (!validation.ok) throw new Error(`invalid generated events: ${JSON.stringify(validation.errors)}`);
  const effects = applyEvents(
    { users: new Map(), orgs: new Map() },
    validation.events.map((event, i) => ({ ...event, eventKey: `k${i}` })),
  );
  const model: CounterModel = new Map();
  const add = (metric: ActivityMetric, cadence: Cadence, bucket: string, n: number) => {
    const counts = model.get(counterKey(metric, cadence)) ?? new Map<string, number>();
    counts.set(bucket, (counts.get(bucket) ?? 0) + n);
    model.set(counterKey(metric, cadence), counts);
  };
  for (const cadence of ["day", "week", "month"] as const) {
    const bucketOf = BUCKET_OF[cadence];
    const distinct = new Set<string>();
    for (const { kind, id, at } of effects.activity) {
      const metric = kind === "user" ? "active_users" : "active_orgs";
      const key = `${metric}#${bucketOf(at)}#${id}`;
      if (distinct.has(key)) continue;
      distinct.add(key);
      add(metric, cadence, bucketOf(at), 1);
    }
    for (const { user } of effects.state.users.values())
      if (user) add("signups", cadence, bucketOf(user.created_at), 1);
    for (const org of effects.state.orgs.values()) if (org) add("orgs_created", cadence, bucketOf(org.created_at), 1);
  }
  return model;
}
