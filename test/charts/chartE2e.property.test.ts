import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/insights.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";
import { chartParamsArb, historyArb, wireEvent } from "./histories.js";
import { referenceChart, referenceFacts } from "./reference.js";

/**
 * End to end: random histories ingested (in one to three batches) into DynamoDB Local, charts read through the
 * insights Lambda handler, compared with the brute-force reference. Fewer runs than the in-memory property test,
 * since each run writes a real environment.
 */

let store: Store;

beforeAll(async () => {
  store = await testStore();
});

afterEach(() => {
  vi.useRealTimers();
});

const RUNS = Number(process.env.CHART_E2E_RUNS ?? 20);

describe("charts through ingestion and the handler equal the brute-force reference", () => {
  it("on random histories", async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb(20),
        fc.array(fc.nat(), { maxLength: 2 }),
        fc.array(chartParamsArb, { minLength: 6, maxLength: 6 }),
        async (history, cuts, queries) => {
          vi.useRealTimers();
          const { environment_id, api_key } = await createEnvironment(store, "property");
          const wire = history.events.map((e, i) => wireEvent(e, i));
          const bounds = [...new Set([0, ...cuts.map((c) => c % wire.length), wire.length])].sort((a, b) => a - b);
          for (let i = 0; i + 1 < bounds.length; i++) {
            await ingestEvents(store, environment_id, wire.slice(bounds[i], bounds[i + 1]), history.now);
          }
          const facts = referenceFacts(history.events);
          vi.useFakeTimers({ toFake: ["Date"] });
          vi.setSystemTime(history.now);
          for (const { chartMetric, ...query } of queries) {
            const res = await invoke(handler, {
              path: `/api/backend/v1/chart_metric/${chartMetric}`,
              query,
              headers: { authorization: `Bearer ${api_key}` },
            });
            const expected = referenceChart(facts, { chartMetric, ...query }, history.now);
            if (expected.status === 200) {
              expect({ status: res.status, body: res.body }).toEqual(expected);
            } else {
              expect(res.status).toBe(400);
              expect(res.body).toMatchObject({ error: "invalid_request" });
              expect((res.body as { message: string }).message).toContain(expected.parameter);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
