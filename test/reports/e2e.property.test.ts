import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/insights.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { countKey, REPORTS } from "../../lib/reports/definitions.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";
import { expectedReports, replay } from "./bruteForce.js";
import { historyArb, laterEventsArb } from "./histories.js";

/**
 * The whole path — real ingestion into DynamoDB Local, a refresh at T, the reports read through the Lambda
 * handler — against the brute-force reference over the raw events, as of T: the histories go on after T.
 */

const RUNS = 15;
const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

describe("reports served after ingestion + refresh = brute force over the raw events", () => {
  it(`holds for ${RUNS} random histories`, async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb(30).chain(({ T, events }) =>
          laterEventsArb(T).map((later) => ({ T, events: [...events, ...later] })),
        ),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 999 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.integer({ min: 2, max: 5 }),
        async ({ T, events }, chunks, jitterMs, shardRows, pageSize) => {
          const { environment_id, api_key } = await createEnvironment(store, "prop", T - 500 * DAY);
          // Several requests, so state carries across batches as in production.
          const size = Math.ceil(events.length / chunks) || 1;
          // Received by T + 11 days: the activity after T is not in the future then.
          for (let i = 0; i < events.length; i += size)
            await ingestEvents(store, environment_id, events.slice(i, i + size), T + 11 * DAY);
          // T is the refresh's instant rounded down to the second.
          // Churn lists cut into shards of a few rows (planned ones, and rests handed on) or computed whole.
          const { report_time } = await refreshEnvironment(
            store,
            environment_id,
            T + jitterMs,
            shardRows === undefined ? {} : { shardRows },
          );
          expect(report_time).toBe(T / 1000);

          const expected = expectedReports(replay(events), T);
          for (const definition of REPORTS) {
            for (const interval of definition.intervals) {
              const response = await invoke(handler, {
                path: `/api/backend/v1/${definition.name}`,
                headers: { Authorization: `Bearer ${api_key}` },
                query: { report_interval: interval, page_size: "1000" },
              });
              expect(response.status).toBe(200);
              const body = response.body as Record<string, unknown>;
              const rows = body[definition.subject === "user" ? "user_reports" : "org_reports"] as Record<
                string,
                unknown
              >[];
              const want = expected.get(countKey(definition.name, interval)) ?? [];
              expect(
                rows.map(({ id, report_id, ...rest }) => rest),
                countKey(definition.name, interval),
              ).toEqual(want);
              expect(body).toMatchObject({
                current_page: 0,
                total_count: want.length,
                page_size: 1000,
                has_more_results: false,
                report_time: T / 1000,
              });
              if (!definition.name.endsWith("/churn")) continue;
              // Small pages across the shards' boundaries concatenate to the same list.
              const paged: unknown[] = [];
              for (let page = 0; page * pageSize < want.length; page++) {
                const small = await invoke(handler, {
                  path: `/api/backend/v1/${definition.name}`,
                  headers: { Authorization: `Bearer ${api_key}` },
                  query: { report_interval: interval, page_size: String(pageSize), page_number: String(page) },
                });
                const smallRows = (small.body as Record<string, Record<string, unknown>[]>)[
                  definition.subject === "user" ? "user_reports" : "org_reports"
                ] as Record<string, unknown>[];
                paged.push(...smallRows.map(({ id, report_id, ...rest }) => rest));
              }
              expect(paged, `${countKey(definition.name, interval)} in pages of ${pageSize}`).toEqual(want);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
