import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { activeUsersJson } from "../../lib/dashboard/activeUsersJson.js";
import { activeUsersBody } from "../../lib/dashboard/responses.js";

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const chunk of chunks) out += chunk;
  return out;
}

const dayArb = fc
  .date({ min: new Date("1999-12-01T00:00:00Z"), max: new Date("2001-03-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const idArb = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 12 }));
/** Days with their ids (an empty set too: a counter can be ahead of a set), unique days. */
const setsArb = fc.uniqueArray(fc.record({ day: dayArb, userIds: fc.uniqueArray(idArb, { maxLength: 2500 }) }), {
  selector: (s) => s.day,
  maxLength: 12,
});

describe("activeUsersJson", () => {
  it("writes exactly JSON.stringify(activeUsersBody) whatever the read-ahead", async () => {
    await fc.assert(
      fc.asyncProperty(
        setsArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 5000 }),
        async (sets, concurrency, maxIdsAhead) => {
          const byDay = new Map(sets.map((s) => [s.day, s.userIds]));
          const out = await text(
            activeUsersJson({
              days: sets.map((s) => ({ day: s.day, count: s.userIds.length })),
              read: async (day) => byDay.get(day) ?? [],
              concurrency,
              maxIdsAhead,
            }),
          );
          expect(out).toBe(JSON.stringify(activeUsersBody(sets)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("never has more than maxIdsAhead ids read ahead (at least one day) nor more than `concurrency` reads", async () => {
    const days = Array.from({ length: 20 }, (_, i) => ({
      day: `2024-01-${String(i + 1).padStart(2, "0")}`,
      count: 100,
    }));
    let inFlight = 0;
    let maxInFlight = 0;
    const read = async (day: string) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return Array.from({ length: 100 }, (_, i) => `${day}-${i}`);
    };
    const reads: number[] = [];
    let started = 0;
    const counting = async (day: string) => {
      started++;
      return read(day);
    };
    let written = 0;
    for await (const piece of activeUsersJson({ days, read: counting, concurrency: 8, maxIdsAhead: 300 })) {
      if (piece.startsWith('],"users"')) written++;
      reads.push(started - written);
    }
    // Started but not yet written: the day being written, and ≤ 300 ids (3 days of 100) read ahead of it.
    expect(Math.max(...reads)).toBe(4);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(started).toBe(20);
  });

  it("stops at a failed read with its error, after what was already written", async () => {
    const pieces: string[] = [];
    const iterate = async () => {
      for await (const piece of activeUsersJson({
        days: [
          { day: "2024-01-02", count: 1 },
          { day: "2024-01-01", count: 1 },
        ],
        read: async (day) => {
          if (day === "2024-01-01") throw new Error("read failed");
          return ["u1"];
        },
        concurrency: 2,
        maxIdsAhead: 10,
      })) {
        pieces.push(piece);
      }
    };
    await expect(iterate()).rejects.toThrow("read failed");
    expect(pieces.join("")).toBe('{"month":[{"usersList":["u1"],"users":1,"day":2,"month":1,"year":2024}');
  });
});
