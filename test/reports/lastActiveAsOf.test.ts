import { describe, expect, it } from "vitest";
import { latestUpTo } from "../../lib/reports/lastActiveAsOf.js";
import type { ActivitySetItem } from "../../lib/storage/items.js";

const DAY = Date.UTC(2026, 11, 1);
const at = (hour: number, minute: number) => DAY + hour * 3_600_000 + minute * 60_000;

/** A user's day member with its activity at `instants` (first / last of the day and of each clock hour). */
function member(...instants: number[]): ActivitySetItem {
  const item: Record<string, number> = { min_at: Math.min(...instants), max_at: Math.max(...instants) };
  for (const t of instants) {
    const hh = String(new Date(t).getUTCHours()).padStart(2, "0");
    item[`h${hh}n`] = Math.min(item[`h${hh}n`] ?? t, t);
    item[`h${hh}x`] = Math.max(item[`h${hh}x`] ?? t, t);
  }
  return item as unknown as ActivitySetItem;
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
