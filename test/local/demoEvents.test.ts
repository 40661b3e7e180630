import { describe, expect, it } from "vitest";
import { generateDemoEvents } from "../../lib/demo/generate.js";
import { validateEvents } from "../../lib/ingest/validate.js";
import { DAY_MS } from "../../lib/time.js";

const NOW = Date.UTC(2026, 2, 12, 16, 7, 38);

describe("demo history generator", () => {
  const events = generateDemoEvents({ now: NOW });

  it("is deterministic for a seed and differs across seeds", () => {
    expect(generateDemoEvents({ now: NOW })).toEqual(events);
    expect(generateDemoEvents({ now: NOW, seed: 7 })).not.toEqual(events);
  });

  it("produces only valid events, within ~3 months before now, in time order, with unique event ids", () => {
    for (let i = 0; i < events.length; i += 1000) {
      const result = validateEvents(events.slice(i, i + 1000), NOW);
      expect(result.ok ? [] : result.errors.slice(0, 3)).toEqual([]);
    }
    const times = events.map((e) => Date.parse(e.occurred_at));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW - 90 * DAY_MS - 60_000);
    expect(Math.max(...times)).toBeLessThan(NOW);
    expect(times.every((t, i) => i === 0 || (times[i - 1] as number) <= t)).toBe(true);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });

  it("covers users, orgs, activity, invites, membership changes, deletions and sign-up parameters", () => {
    const byType = (type: string) => events.filter((e) => e.type === type);
    expect(new Set(byType("user.created").map((e) => e.user_id)).size).toBe(300);
    expect(byType("org.created")).toHaveLength(30);
    expect(byType("user.active").length).toBeGreaterThan(2000);
    expect(byType("user.invited").length).toBeGreaterThan(10);
    expect(byType("org.member_added").length).toBeGreaterThanOrEqual(300);
    expect(byType("org.member_removed").length).toBeGreaterThan(5);
    expect(byType("user.deleted").length).toBeGreaterThan(0);
    const withUtm = byType("user.created").filter(
      (e) => typeof (e.signup_query_parameters as Record<string, string> | undefined)?.utm_source === "string",
    );
    expect(withUtm.length).toBeGreaterThan(100);
    // Activity on many distinct days, so charts and dashboards have something to show.
    expect(new Set(byType("user.active").map((e) => e.occurred_at.slice(0, 10))).size).toBeGreaterThan(80);
  });

  it("never has a deleted user act afterwards, and members are added after their user exists", () => {
    const deletedAt = new Map(byUser("user.deleted"));
    const createdAt = new Map(byUser("user.created"));
    for (const e of events) {
      const user = e.user_id as string | undefined;
      if (!user) continue;
      const at = Date.parse(e.occurred_at);
      if (e.type !== "user.deleted") expect(at).toBeLessThan(deletedAt.get(user) ?? Number.POSITIVE_INFINITY);
      if (e.type !== "user.created") expect(at).toBeGreaterThanOrEqual(createdAt.get(user) as number);
    }
  });

  function byUser(type: string): [string, number][] {
    return events.filter((e) => e.type === type).map((e) => [e.user_id as string, Date.parse(e.occurred_at)]);
  }
});

describe("the demo history on every report", () => {
  it("fills every report and interval (so each route shows rows on npm start)", async () => {
    const { replay, expectedReports } = await import("../reports/bruteForce.js");
    // Every weekday alignment of the start (the generator's draws depend on it).
    for (let day = 0; day < 7; day++) {
      const now = Date.parse("2026-11-23T12:00:00.000Z") + day * DAY_MS;
      const reports = expectedReports(replay(generateDemoEvents({ now })), Math.floor(now / 1000) * 1000);
      const empty = [...reports].filter(([, rows]) => rows.length === 0).map(([key]) => key);
      expect(empty, new Date(now).toISOString()).toEqual([]);
    }
  });
});
