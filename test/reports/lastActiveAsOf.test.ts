import { describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { addInstant, type HourBounds, hourAttributes } from "../../lib/ingest/hourBounds.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { latestUpTo } from "../../lib/reports/lastActiveAsOf.js";
import { readReportPage } from "../../lib/reports/read.js";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import type { ActivitySetItem } from "../../lib/storage/items.js";
import { testStore } from "../helpers/store.js";

const DAY = Date.UTC(2026, 11, 1);
const at = (hour: number, minute: number) => DAY + hour * 3_600_000 + minute * 60_000;

/** A user's day member with its activity at `instants`, stored as ingestion stores it (hourBounds.ts). */
function member(...instants: number[]): ActivitySetItem {
  const bounds: HourBounds = new Map();
  for (const t of instants) addInstant(bounds, t);
  return { min_at: Math.min(...instants), max_at: Math.max(...instants), ...hourAttributes(bounds) } as ActivitySetItem;
}

describe("latestUpTo: a day member's latest instant at or before T", () => {
  it("is the day's last instant when the day ends by T, none when the day starts after T", () => {
    expect(latestUpTo(member(at(3, 0), at(9, 0)), at(12, 0), true)).toBe(at(9, 0));
    expect(latestUpTo(member(at(3, 0), at(9, 0)), at(9, 0), true)).toBe(at(9, 0)); // activity at T is as of T
    expect(latestUpTo(member(at(13, 0)), at(12, 0), true)).toBeUndefined();
  });

  it("takes the last instant of the latest earlier hour when T's day goes on after T", () => {
    expect(latestUpTo(member(at(3, 0), at(9, 40), at(14, 0)), at(12, 30), true)).toBe(at(9, 40));
    // In T's own hour: its last instant when that is by T.
    expect(latestUpTo(member(at(3, 0), at(12, 10), at(12, 20), at(14, 0)), at(12, 30), true)).toBe(at(12, 20));
  });

  it("falls back to the first instant of T's hour when that hour goes on after T (a lower bound)", () => {
    expect(latestUpTo(member(at(9, 0), at(12, 10), at(12, 50)), at(12, 30), true)).toBe(at(12, 10));
  });

  it("without hour bounds (an org's member): the day's first instant when the day straddles T", () => {
    expect(latestUpTo({ min_at: at(3, 0), max_at: at(14, 0) }, at(12, 0), false)).toBe(at(3, 0));
    expect(latestUpTo({ min_at: at(3, 0), max_at: at(11, 0) }, at(12, 0), false)).toBe(at(11, 0));
  });
});

describe("a refresh at T of a user active before and after T in T's own hour", () => {
  it("lists it with its last activity by T, and not as churned", async () => {
    const store = await testStore();
    const T = Date.parse("2026-12-04T10:30:00Z");
    const { environment_id: e } = await createEnvironment(store, "as-of-t-hour", T - 30 * 86_400_000);
    const iso = (ms: number) => new Date(ms).toISOString();
    await ingestEvents(
      store,
      e,
      [
        { type: "user.created", user_id: "g", occurred_at: iso(T - 3_600_000), event_id: "g1" },
        { type: "user.active", user_id: "g", occurred_at: iso(T - 600_000), event_id: "g2" },
        { type: "user.active", user_id: "g", occurred_at: iso(T + 600_000), event_id: "g3" },
      ],
      T + 3_600_000,
    );
    await refreshEnvironment(store, e, T);
    const champion = await readReportPage(store, e, "user_report/champion", "30", 0, 10);
    expect(
      champion.rows.map((row) => [
        (row as { user_id: string }).user_id,
        (row as { last_active_at: number }).last_active_at,
      ]),
    ).toEqual([["g", (T - 600_000) / 1000]]);
    for (const n of ["7", "14", "30"])
      expect((await readReportPage(store, e, "user_report/churn", n, 0, 10)).rows).toEqual([]);
  });
});
