import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { counterAttribute, readBucketCounts } from "../../lib/storage/monthCounters.js";
import { testStore } from "../helpers/store.js";

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

const active = (user_id: string, occurred_at: string) => ({ type: "user.active", user_id, occurred_at });

describe("bucket counts packed by month", () => {
  it("names each of a month's weeks apart, even around the new year", () => {
    // December 2026 touches ISO weeks 49–53; January 2027 weeks 53 (of 2026) and 1–5.
    const names = (days: string[]) => new Set(days.map((d) => counterAttribute("active_users", "week", Date.parse(d))));
    const dec = Array.from({ length: 31 }, (_, i) => `2026-12-${String(i + 1).padStart(2, "0")}T12:00:00Z`);
    const jan = Array.from({ length: 31 }, (_, i) => `2027-01-${String(i + 1).padStart(2, "0")}T12:00:00Z`);
    expect(names(dec).size).toBe(5);
    expect(names(jan).size).toBe(5);
    expect(counterAttribute("signups", "day", Date.parse("2027-01-09T00:00:00Z"))).toBe("s09");
  });

  it("sums a week's parts kept in the two months it spans, and reads days and months of a range", async () => {
    const { environment_id: e } = await createEnvironment(store, "month-counters");
    // The ISO week of Monday 2026-03-30 runs to Sunday 2026-04-05.
    await ingestEvents(store, e, [
      { type: "user.created", user_id: "a", occurred_at: "2026-01-10T10:00:00Z" },
      { type: "user.created", user_id: "b", occurred_at: "2026-01-10T10:00:00Z" },
      active("a", "2026-03-31T10:00:00Z"),
      active("b", "2026-04-02T10:00:00Z"),
      active("a", "2026-04-03T10:00:00Z"),
    ]);
    const weeks = await readBucketCounts(store, e, "active_users", "week", "2026-03-23", "2026-04-06");
    expect([...weeks]).toEqual([["2026-03-30", 2]]);
    const days = await readBucketCounts(store, e, "active_users", "day", "2026-03-31", "2026-04-03");
    expect(Object.fromEntries(days)).toEqual({ "2026-03-31": 1, "2026-04-02": 1, "2026-04-03": 1 });
    const months = await readBucketCounts(store, e, "active_users", "month", "2026-01", "2026-04");
    expect(Object.fromEntries(months)).toEqual({ "2026-01": 2, "2026-03": 1, "2026-04": 2 });
    expect(Object.fromEntries(await readBucketCounts(store, e, "signups", "month", "2026-01", "2026-12"))).toEqual({
      "2026-01": 2,
    });
  });
});
