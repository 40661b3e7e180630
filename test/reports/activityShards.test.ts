import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { compareIds, rangesOf } from "../../lib/reports/activityShards.js";
import {
  compareEntries,
  readSlice,
  readTallyIndexes,
  sliceBounds,
  type TallyEntry,
  writeTally,
} from "../../lib/reports/activityTallies.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import { type PartJob, type PartOutcome, planRun, runPartJob } from "../../lib/reports/refreshRun.js";
import type { Store } from "../../lib/storage/client.js";
import { testStore } from "../helpers/store.js";
import { getReport } from "./helpers.js";

const DAY = 86_400_000;
let store: Store;

beforeAll(async () => {
  store = await testStore();
});

/** Ids over the whole of Unicode's planes: astral characters sort differently in UTF-16 and in UTF-8. */
const idArb = fc.string({ unit: "binary", minLength: 1, maxLength: 6 });

describe("user ids in DynamoDB's order", () => {
  it("compareIds orders as UTF-8 bytes do", () => {
    fc.assert(
      fc.property(idArb, idArb, (a, b) => {
        expect(Math.sign(compareIds(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });

  it("ranges from a sample are contiguous, ordered, and cover every id once", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(idArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        idArb,
        (ids, parts, probe) => {
          const ranges = rangesOf([...ids].sort(compareIds), parts);
          expect(ranges.length).toBeGreaterThanOrEqual(1);
          expect(ranges.length).toBeLessThanOrEqual(parts);
          expect(ranges[0]?.from).toBeUndefined();
          expect(ranges[ranges.length - 1]?.to).toBeUndefined();
          for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.from).toBe(ranges[i - 1]?.to);
          const holding = ranges.filter(
            (r) =>
              (r.from === undefined || compareIds(probe, r.from) >= 0) &&
              (r.to === undefined || compareIds(probe, r.to) < 0),
          );
          expect(holding).toHaveLength(1);
        },
      ),
    );
  });
});

describe("slices of the merged tallies", () => {
  it("concatenated in order, the slices are exactly the whole list in rank order", async () => {
    const { environment_id } = await createEnvironment(store, "slices", Date.now());
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 5 }), idArb), { selector: ([, id]) => id, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        async (entries, tallies, slices, perItem) => {
          const at = { store, environmentId: environment_id, reportId: `r${run++}` };
          const attempts = Array.from({ length: tallies }, (_, t) => `a${t}`);
          // Each tally holds some of the entries (as id ranges would: any split works for the merge).
          await Promise.all(
            attempts.map((a, t) =>
              writeTally(at, "list", a, entries.filter((_, i) => i % tallies === t) as TallyEntry[], 0, perItem),
            ),
          );
          const indexes = await readTallyIndexes(at, "list", attempts);
          const bounds = sliceBounds(indexes, slices);
          expect(bounds).toHaveLength(slices + 1);
          const merged: TallyEntry[] = [];
          for (let j = 0; j < slices; j++) {
            const slice = await readSlice(at, "list", attempts, indexes, bounds[j] ?? "end", bounds[j + 1] ?? "end");
            merged.push(...slice.sort(compareEntries));
          }
          expect(merged).toEqual([...(entries as TallyEntry[])].sort(compareEntries));
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("user activity sharded by id range", () => {
  /** Runs a part and the parts it hands on, as the worker queues them. */
  async function runWithNext(job: PartJob): Promise<PartOutcome[]> {
    const outcome = await runPartJob(store, job);
    const after: PartOutcome[] = [];
    for (const next of outcome.next) after.push(...(await runWithNext(next)));
    return [outcome, ...after];
  }

  const list = async (apiKey: string, report: string, interval: string) => {
    const rows: unknown[] = [];
    for (let page = 0; ; page++) {
      const body = (
        await getReport(apiKey, report, { report_interval: interval, page_size: "3", page_number: String(page) })
      ).body as { user_reports: { user_id: string; extra_properties?: unknown; last_active_at: number }[] };
      if (body.user_reports.length === 0) return rows;
      rows.push(...body.user_reports.map((r) => [r.user_id, r.extra_properties, r.last_active_at]));
    }
  };

  it("tallies over budget hand rests on, the rows parts merge them: the lists equal the unsharded ones", async () => {
    const now = Date.now();
    const env = await createEnvironment(store, "activity-shards", now - 200 * DAY);
    // Ids whose order differs between UTF-16 and UTF-8, and ties on every score.
    const ids = ["a", "b", "\u{1F600}x", "\uFFFDy", "c\u{10000}", "c\uE000", "d", "e", "f", "g", "h", "i"];
    const events = ids.flatMap((user_id, i) => [
      { type: "user.created", occurred_at: new Date(now - 150 * DAY).toISOString(), user_id },
      // Active on (i % 4) + 1 days of the last weeks, and some of them back after a quiet period (reengagement).
      ...Array.from({ length: (i % 4) + 1 }, (_, d) => ({
        type: "user.active",
        occurred_at: new Date(now - (i % 3 === 0 ? d + 1 : 20 + d * 9) * DAY - i * 60_000).toISOString(),
        user_id,
      })),
    ]);
    await ingestEvents(store, env.environment_id, events);

    const whole = await refreshEnvironment(store, env.environment_id, now);
    const lists = ["30", "60", "90"].map((n) => ["user_report/champion", n]);
    lists.push(["user_report/reengagement", "Weekly"], ["user_report/reengagement", "Monthly"]);
    const expected = await Promise.all(lists.map(([r, n]) => list(env.api_key, r as string, n as string)));
    expect(expected[2]).toHaveLength(ids.length);
    expect((expected[3] as unknown[]).length).toBeGreaterThan(0);

    const jobs = await planRun(store, env.environment_id, now + 1000, { shardRows: 2 });
    const tallies = jobs.filter((j) => j.part === "user_activity");
    expect(tallies.length).toBeGreaterThan(1);
    const outcomes: PartOutcome[] = [];
    for (const job of jobs) outcomes.push(...(await runWithNext(job)));
    // More tallies ran than were planned (rests), then the rows parts, each once.
    const ran = outcomes.filter((o) => o.result?.tallied !== undefined);
    expect(ran.length).toBeGreaterThan(tallies.length);
    expect(ran.every((o) => (o.result?.tallied as number) <= 2)).toBe(true);
    expect(outcomes.some((o) => o.pointer)).toBe(true);
    const sharded = await Promise.all(lists.map(([r, n]) => list(env.api_key, r as string, n as string)));
    expect(sharded).toEqual(expected);
    expect(whole.report_time).toBeLessThan(Math.floor((now + 1000) / 1000) + 1);
  });
});
