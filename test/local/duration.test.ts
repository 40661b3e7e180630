import { describe, expect, it } from "vitest";
import { parseDuration } from "../../scripts/lib/duration.js";

describe("REFRESH_EVERY", () => {
  it("reads seconds by default and s/m/h units", () => {
    expect(parseDuration("300")).toBe(300_000);
    expect(parseDuration("300s")).toBe(300_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
  });
  it("refuses nonsense and sub-second periods", () => {
    expect(() => parseDuration("soon")).toThrow();
    expect(() => parseDuration("10ms")).toThrow();
    expect(() => parseDuration("-5")).toThrow();
  });
});
