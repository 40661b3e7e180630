import { DEADLINE_MARGIN_MS, HTTP_FUNCTION_TIMEOUT_SECONDS } from "../../lib/http/deadline.js";
import { MAX_EVENTS_PER_BATCH } from "../../lib/ingest/schema.js";
import { type Capacity, diff } from "./capacity.js";
import { type BenchEvent, userEvents } from "./mix.js";

/**
 * The largest request the contract allows (issue 20 item 3): 1,000 events of the bench's mix (whole users of
 * scripts/bench/mix.ts, new to the tenant, their events in order; the last user cut at 1,000) sent one request at a
 * time through the local server, as one client sending full requests would. Its time against the request's work
 * budget — the ingest function's timeout less the margin at which lib/http/deadline.ts answers 503 — says how
 * much room a full request leaves. DynamoDB Local on a shared 2-core machine answers each call in several ms where
 * DynamoDB answers in a few, so these times are an upper bound of what the deployed function takes.
 */

/** The work budget of an ingest request: what it may spend before the 503 (lib/http/deadline.ts). */
export const INGEST_BUDGET_MS = HTTP_FUNCTION_TIMEOUT_SECONDS * 1000 - DEADLINE_MARGIN_MS;

export interface BigRequestTimes {
  requests: number;
  eventsPerRequest: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  budgetMs: number;
  /** Requests answered 503 (deadline or storage fault) on their first attempt; sent again until 200. */
  retried: number;
  /** Storage calls and write units of one request, the mean. */
  callsPerRequest: number;
  writeUnitsPerRequest: number;
}

/** Bodies of `count` requests of MAX_EVENTS_PER_BATCH events each, from whole users numbered from `firstUser`. */
export function bigRequestBodies(firstUser: number, users: number, count: number, now: number): string[] {
  const bodies: string[] = [];
  let next = firstUser;
  for (let r = 0; r < count; r++) {
    const events: BenchEvent[] = [];
    while (events.length < MAX_EVENTS_PER_BATCH) events.push(...userEvents(next++, users, now));
    bodies.push(JSON.stringify({ events: events.slice(0, MAX_EVENTS_PER_BATCH) }));
  }
  return bodies;
}

/** The value at quantile q of ascending `sorted` (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export async function benchBigRequests(
  baseUrl: string,
  apiKey: string,
  users: number,
  count: number,
  capacity: Capacity,
  now = Date.now(),
): Promise<BigRequestTimes> {
  // Users past the tenant's own (u0 … u{users−1}): new users of the same mix, members of the tenant's orgs.
  const bodies = bigRequestBodies(users, users, count, now);
  const ms: number[] = [];
  let retried = 0;
  const before = { ...capacity };
  for (const body of bodies) {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/api/backend/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body,
      });
      const text = await res.text();
      if (attempt === 0) ms.push(performance.now() - started);
      if (res.status === 200) break;
      if (res.status !== 503 || attempt >= 5) throw new Error(`1,000-event request: ${res.status} ${text}`);
      if (attempt === 0) retried++;
    }
  }
  const used = diff(capacity, before);
  ms.sort((a, b) => a - b);
  return {
    requests: count,
    eventsPerRequest: MAX_EVENTS_PER_BATCH,
    p50Ms: quantile(ms, 0.5),
    p95Ms: quantile(ms, 0.95),
    maxMs: ms[ms.length - 1] ?? Number.NaN,
    budgetMs: INGEST_BUDGET_MS,
    retried,
    callsPerRequest: used.calls / count,
    writeUnitsPerRequest: used.writeUnits / count,
  };
}

export function printBigRequests(users: number, t: BigRequestTimes): void {
  const share = (x: number) => `${((100 * x) / t.budgetMs).toFixed(0)} %`;
  console.log(
    `  ${t.requests} requests of ${t.eventsPerRequest} events (${users} users' mix): p50 ${(t.p50Ms / 1000).toFixed(1)} s ` +
      `(${share(t.p50Ms)} of the ${t.budgetMs / 1000} s budget), p95 ${(t.p95Ms / 1000).toFixed(1)} s (${share(t.p95Ms)}), ` +
      `max ${(t.maxMs / 1000).toFixed(1)} s; ${t.retried} answered 503 first; ${t.callsPerRequest.toFixed(0)} storage calls, ` +
      `${t.writeUnitsPerRequest.toFixed(0)} write units each`,
  );
}
