import { describe, expect, it } from "vitest";
import { parseCadence, parseChartMetric, parseChartQuery, utcDayOf } from "../../lib/charts/chartQuery.js";
import { chartBody } from "../../lib/charts/chartSeries.js";
import { HttpError } from "../../lib/http/types.js";

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    const { statusCode, body } = error as HttpError;
    expect(statusCode).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request" });
    return (body as { message: string }).message;
  }
  throw new Error("expected an invalid_request");
}

describe("chart query parsing", () => {
  it("cadence in any letter case, Daily by default; others name the allowed values", () => {
    expect(parseCadence(undefined)).toBe("Daily");
    expect(["daily", "DAILY", "dAiLy"].map(parseCadence)).toEqual(["Daily", "Daily", "Daily"]);
    expect(parseCadence("wEEKLY")).toBe("Weekly");
    expect(parseCadence("monthly")).toBe("Monthly");
    for (const bad of ["", "week", "Yearly", " Daily"]) {
      const message = invalid(() => parseCadence(bad));
      for (const word of ["cadence", "Daily", "Weekly", "Monthly"]) expect(message).toContain(word);
    }
  });

  it("chartMetric is one of the four names", () => {
    expect(parseChartMetric("active_orgs")).toBe("active_orgs");
    const message = invalid(() => parseChartMetric("signup"));
    for (const word of ["chartMetric", "signups", "orgs_created", "active_users", "active_orgs"]) {
      expect(message).toContain(word);
    }
  });

  it.each([
    ["2024-02-29", "2024-02-29"],
    ["2024-02-29T23:30:00-01:00", "2024-03-01"],
    ["2024-03-01T00:30:00+01:00", "2024-02-29"],
    ["2024-03-01T00:30+0100", "2024-02-29"],
    ["2024-03-01T00:30:00+01", "2024-02-29"],
    ["2024-03-01T00:00:00.000Z", "2024-03-01"],
    ["2024-02-29T23:59:59.999999z", "2024-02-29"],
    ["2024-02-29T23:59:59", "2024-02-29"],
    ["2020-12-31T23:59:59.999Z", "2020-12-31"],
    ["1970-01-01", "1970-01-01"],
    ["9999-12-31", "9999-12-31"],
  ])("%s is the UTC day %s", (text, day) => {
    expect(utcDayOf(text)).toBe(day);
  });

  it.each([
    "2023-02-29",
    "2024-13-01",
    "2024-1-01",
    "20240101",
    "2024-03-01T24:00:00Z",
    "2024-03-01T10:60:00Z",
    "2024-03-01T10:00:00+25:00",
    "2024-03-01T",
    "1969-12-31",
    "1970-01-01T00:30:00+01:00",
    "9999-12-31T23:00:00-02:00",
    "yesterday",
    "",
  ])("%s is not a date", (text) => {
    expect(utcDayOf(text)).toBeUndefined();
  });

  it("defaults: end today (UTC) at the request time, start 30 days before the end", () => {
    const now = Date.parse("2024-03-01T00:00:00.000Z");
    const { buckets } = parseChartQuery("signups", {}, now);
    expect(buckets.map((b) => b.date)).toHaveLength(31);
    expect(buckets[0]?.date).toBe("2024-01-31");
    expect(buckets.at(-1)?.date).toBe("2024-03-01");
    const endOnly = parseChartQuery("signups", { end_date: "2024-03-31", cadence: "monthly" }, now);
    expect(endOnly.buckets.map((b) => b.id)).toEqual(["2024-03"]);
    const startAfterToday = () => parseChartQuery("signups", { start_date: "2024-03-02" }, now);
    expect(invalid(startAfterToday)).toContain("start_date");
  });

  it("checks the metric, then cadence, then start_date, then end_date", () => {
    expect(invalid(() => parseChartQuery("x", { cadence: "x", start_date: "x", end_date: "x" }, 0))).toContain(
      "chartMetric",
    );
    expect(invalid(() => parseChartQuery("signups", { cadence: "x", start_date: "x" }, 0))).toContain("cadence");
    expect(invalid(() => parseChartQuery("signups", { start_date: "x", end_date: "x" }, 0))).toContain("start_date");
    expect(invalid(() => parseChartQuery("signups", { start_date: "2024-01-01", end_date: "x" }, 0))).toContain(
      "end_date",
    );
  });

  it("the answer zero-fills and marks buckets completed once ended by the request time", () => {
    const now = Date.parse("2024-03-01T00:00:00.000Z");
    const query = parseChartQuery("active_users", { start_date: "2024-02-28", end_date: "2024-03-01" }, now);
    expect(chartBody(query, new Map([["2024-02-29", 4]]), now)).toEqual({
      chart_type: "ActiveUsers",
      cadence: "Daily",
      metrics: [
        { date: "2024-02-28", result: 0, cadence_completed: true },
        { date: "2024-02-29", result: 4, cadence_completed: true },
        { date: "2024-03-01", result: 0, cadence_completed: false },
      ],
    });
  });
});
