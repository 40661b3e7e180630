import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { CURVE_CADENCES } from "../../lib/reports/curves.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { Store } from "../../lib/storage/client.js";
import { testStore } from "../helpers/store.js";
import { replay } from "./bruteForce.js";
import { curveHistoryArb } from "./curveHistories.js";
import { referenceLifecycle, referenceRetention, referenceStickiness } from "./curvesBruteForce.js";
import { getReport } from "./helpers.js";

/**
 * The whole path — real ingestion into DynamoDB Local (events up to 3 h after T included: they must not count),
 * a refresh at T, retention / lifecycle / stickiness read through the Lambda handler — against the brute force
 * over the raw events. Deleted users, implicit creations and orgs come from the generated histories. The user
 * curves are computed whole or cut into shards of 1–4 users (curveShards.ts), merged when the run completes.
 */

const RUNS = 10;
const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

describe("retention, lifecycle and stickiness after ingestion + refresh = brute force", () => {
  it(`holds for ${RUNS} random histories`, async () => {
    await fc.assert(
      fc.asyncProperty(
        curveHistoryArb(30),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 999 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        async ({ T, events }, chunks, jitterMs, curveShardRows) => {
          const { environment_id, api_key } = await createEnvironment(store, "curves", T - 500 * DAY);
          const size = Math.ceil(events.length / chunks) || 1;
          for (let i = 0; i < events.length; i += size)
            await ingestEvents(store, environment_id, events.slice(i, i + size), T + 4 * 3_600_000);
          const { report_time } = await refreshEnvironment(
            store,
            environment_id,
            T + jitterMs,
            curveShardRows === undefined ? {} : { curveShardRows },
          );
          expect(report_time).toBe(T / 1000);
          const h = replay(events);
          for (const entity of ["users", "orgs"] as const) {
            for (const cadence of CURVE_CADENCES) {
              // Any letter case is the same cadence.
              const query = { entity, cadence: cadence.toUpperCase() };
              const retention = await getReport(api_key, "retention", query);
              expect(retention.status).toBe(200);
              expect(retention.body).toEqual({ ...referenceRetention(h, entity, cadence, T), report_time: T / 1000 });
              const lifecycle = await getReport(api_key, "lifecycle", query);
              expect(lifecycle.body).toEqual({ ...referenceLifecycle(h, entity, cadence, T), report_time: T / 1000 });
            }
            for (const n of [7, 30] as const) {
              const stickiness = await getReport(api_key, "stickiness", { entity, report_interval: String(n) });
              expect(stickiness.body).toEqual({ ...referenceStickiness(h, entity, n, T), report_time: T / 1000 });
            }
          }
          // Stickiness over 30 days counts exactly the champion report's users.
          const champion = await getReport(api_key, "user_report/champion", { report_interval: "30" });
          const sticky = await getReport(api_key, "stickiness", { report_interval: "30" });
          expect((sticky.body as { active: number }).active).toBe(
            (champion.body as { total_count: number }).total_count,
          );
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
