import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countsOfMembers, generationsOf, sourceOfDay } from "../../lib/dashboard/hourSources.js";
import { calendarFrom, enteredHours, liveHourMoves, withHours } from "../../lib/ingest/activeHours.js";
import type { HourBounds } from "../../lib/ingest/hourBounds.js";
import {
  daysToBump,
  firstLiveDay,
  generationAttribute,
  generationBumps,
  mayOpenHour,
} from "../../lib/ingest/hourGenerations.js";

/**
 * Clock hours of old days (lib/ingest/hourGenerations.ts, lib/dashboard/hourSources.ts) as pure functions: which
 * days a request bumps and how the bumps aggregate (one ADD per month, whatever the events), what the user's hour
 * calendar keeps, where a reader takes a day's counts from, and the counts of a day's members.
 */

const HOUR = 3_600_000;
const NOW = Date.parse("2026-03-10T15:00:00Z");
const user = (at: string) => ({ kind: "user" as const, id: "u", at: Date.parse(at) });

describe("generation bumps", () => {
  it("aggregate a request's days per month: one ADD per month, each day once, months and days sorted", () => {
    expect(generationBumps(["2026-02-03", "2025-12-31", "2026-02-03", "2026-02-28", "2026-01-15"])).toEqual([
      { month: "2025-12", attributes: ["d31"] },
      { month: "2026-01", attributes: ["d15"] },
      { month: "2026-02", attributes: ["d03", "d28"] },
    ]);
    expect(generationBumps([])).toEqual([]);
  });

  it("are as many writes as months touched, never more, whatever the number of days and repeats", () => {
    const day = fc
      .integer({ min: Date.parse("2024-01-01T00:00:00Z"), max: Date.parse("2025-12-31T23:59:59Z") })
      .map((ms) => new Date(ms).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.array(day, { maxLength: 300 }), (days) => {
        const bumps = generationBumps(days);
        expect(bumps).toHaveLength(new Set(days.map((d) => d.slice(0, 7))).size);
        const named = bumps.flatMap(({ month, attributes }) => attributes.map((a) => `${month}-${a.slice(1)}`));
        expect(named.sort()).toEqual([...new Set(days)].sort());
      }),
    );
  });

  it("name the day of the month", () => {
    expect(generationAttribute("2026-02-07")).toBe("d07");
    expect(generationsOf([{ pk: "E#x#HCGEN", sk: "2026-02", d07: 2, d31: 1 }])).toEqual(
      new Map([
        ["2026-02-07", 2],
        ["2026-02-31", 1],
      ]),
    );
  });
});

describe("days to bump", () => {
  const activity = [user("2026-03-01T10:00:00Z"), user("2026-02-20T10:00:00Z"), user("2026-03-09T01:00:00Z")];

  it("only old days: before yesterday at the request's now", () => {
    expect(firstLiveDay(NOW)).toBe("2026-03-09");
    expect(
      daysToBump({ opened: ["2026-03-09", "2026-03-08", "2026-03-10"], activity, resumes: false, now: NOW }),
    ).toEqual(["2026-03-08"]);
  });

  it("a first delivery: days a member may have gained an hour; a resuming one: every old day of user activity", () => {
    expect(daysToBump({ opened: [], activity, resumes: false, now: NOW })).toEqual([]);
    expect(daysToBump({ opened: [], activity, resumes: true, now: NOW })).toEqual(["2026-02-20", "2026-03-01"]);
    const orgOnly = [{ kind: "org" as const, id: "o", at: Date.parse("2026-03-01T10:00:00Z") }];
    expect(daysToBump({ opened: [], activity: orgOnly, resumes: true, now: NOW })).toEqual([]);
  });

  it("a member may gain an hour: one it lacks, or one whose stored bound is one of the batch's own instants", () => {
    const t = Date.parse("2026-03-01T10:20:00Z");
    const batch: HourBounds = new Map([[10, { min: t, max: t + 60_000 }]]);
    expect(mayOpenHour(batch, new Map())).toBe(true);
    expect(mayOpenHour(batch, new Map([[11, { min: t + HOUR, max: t + HOUR }]]))).toBe(true);
    // An earlier attempt of the batch opened it (its first or its last instant is stored).
    expect(mayOpenHour(batch, new Map([[10, { min: t, max: t + 30 * 60_000 }]]))).toBe(true);
    expect(mayOpenHour(batch, new Map([[10, { min: t - 60_000, max: t + 60_000 }]]))).toBe(true);
    // Held before with other instants: no new user-hour, no bump.
    expect(mayOpenHour(batch, new Map([[10, { min: t - 60_000, max: t + 120_000 }]]))).toBe(false);
  });
});

describe("the user's hour calendar", () => {
  it("keeps the days from the day before yesterday on, and only live activity enters hours or touches it", () => {
    const old = withHours(undefined, [Date.parse("2025-12-31T10:00:00Z"), Date.parse("2026-03-07T10:00:00Z")]);
    const live = Date.parse("2026-03-09T23:30:00Z");
    const { entered, hours } = liveHourMoves(old, [live, Date.parse("2026-03-02T08:00:00Z")], NOW);
    expect(entered).toEqual(enteredHours(old, [live]));
    expect(hours).toEqual(withHours(undefined, [live]));
    // Old activity alone leaves the calendar as it was (no write for a trim alone).
    expect(liveHourMoves(old, [Date.parse("2026-03-02T08:00:00Z")], NOW)).toEqual({ entered: [], hours: old });
    const kept = withHours(undefined, [Date.parse("2026-03-08T00:00:00Z"), NOW]);
    expect(liveHourMoves(kept, [NOW], NOW).hours).toEqual(kept);
  });

  it("calendarFrom drops exactly the days before its day, across years", () => {
    const instant = fc.integer({ min: Date.parse("2023-12-25T00:00:00Z"), max: Date.parse("2024-01-05T23:59:59Z") });
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 20 }), instant, (instants, cut) => {
        const from = new Date(cut).toISOString().slice(0, 10);
        const expected = withHours(
          undefined,
          instants.filter((ms) => new Date(ms).toISOString().slice(0, 10) >= from),
        );
        const emptyYearsDropped = Object.fromEntries(Object.entries(expected).filter(([, text]) => text !== ""));
        expect(calendarFrom(withHours(undefined, instants), from)).toEqual(emptyYearsDropped);
      }),
    );
  });
});

describe("a reader's source for a day's counts", () => {
  const reader = Date.parse("2026-03-10T12:00:00Z");

  it("no generation: the live item; an old day with one: its derived item of that generation, else recompute", () => {
    expect(sourceOfDay("2026-01-05", undefined, undefined, reader)).toEqual({ kind: "live" });
    expect(sourceOfDay("2026-01-05", 0, undefined, reader)).toEqual({ kind: "live" });
    expect(sourceOfDay("2026-01-05", 3, 3, reader)).toEqual({ kind: "derived" });
    expect(sourceOfDay("2026-01-05", 3, 2, reader)).toEqual({ kind: "recompute", keep: true, generation: 3 });
    expect(sourceOfDay("2026-01-05", 3, undefined, reader)).toEqual({ kind: "recompute", keep: true, generation: 3 });
  });

  it("a day from today − 2 on is never kept derived (a live ADD may still land on it), only recomputed", () => {
    expect(sourceOfDay("2026-03-07", 1, undefined, reader)).toEqual({ kind: "recompute", keep: true, generation: 1 });
    for (const day of ["2026-03-08", "2026-03-09", "2026-03-10"])
      expect(sourceOfDay(day, 1, 1, reader)).toEqual({ kind: "recompute", keep: false, generation: 1 });
  });

  it("members count per hour, and per two-hour group those in either hour", () => {
    const counts = countsOfMembers("2026-01-05", [
      { sk: "a", h10n: 5, h10x: 9, h11n: 1, h11x: 1 },
      { sk: "b", h11n: 0, h11x: 0 },
      { sk: "c", h23n: 0, h23x: 0, min_at: 0 },
    ]);
    expect(counts).toEqual({
      day: "2026-01-05",
      hours: new Map([
        [10, 1],
        [11, 2],
        [23, 1],
      ]),
      groups: new Map([
        [10, 2],
        [22, 1],
      ]),
    });
  });
});
