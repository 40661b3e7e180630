import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChartQuery, STORAGE_CADENCE } from "../../lib/charts/chartQuery.js";
import { chartBody } from "../../lib/charts/chartSeries.js";
import { HttpError } from "../../lib/http/types.js";
import { counterKey, counterModel } from "./aggregateModel.js";
import { chartParamsArb, historyArb, wireEvent } from "./histories.js";
import { type ChartParams, referenceChart, referenceFacts } from "./reference.js";

/** The chart layer (parsing, buckets, zero-fill, completion) over in-memory counters, against the reference. */
function modelAnswer(model: ReturnType<typeof counterModel>, params: ChartParams, now: number) {
  try {
    const { chartMetric, ...query } = params;
    const parsed = parseChartQuery(chartMetric, query, now);
    const counts = model.get(counterKey(parsed.metric, STORAGE_CADENCE[parsed.cadence])) ?? new Map();
    return { status: 200, body: chartBody(parsed, counts, now) as unknown };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.statusCode, body: error.body };
  }
}

describe("charts from aggregates equal the brute-force reference", () => {
  it("on random histories and queries", () => {
    fc.assert(
      fc.property(historyArb(30), fc.array(chartParamsArb, { minLength: 4, maxLength: 8 }), (history, queries) => {
        const model = counterModel(
          history.events.map((e, i) => wireEvent(e, i)),
          history.now,
        );
        const facts = referenceFacts(history.events);
        for (const params of queries) {
          const expected = referenceChart(facts, params, history.now);
          const actual = modelAnswer(model, params, history.now);
          if (expected.status === 200) {
            expect(actual).toEqual(expected);
          } else {
            expect(actual.status).toBe(400);
            expect(actual.body).toMatchObject({ error: "invalid_request" });
            expect((actual.body as { message: string }).message).toContain(expected.parameter);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
