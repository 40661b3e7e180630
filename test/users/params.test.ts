import { describe, expect, it } from "vitest";
import { HttpError } from "../../lib/http/types.js";
import { parseDays, parseListQuery } from "../../lib/users/params.js";

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    const e = error as HttpError;
    expect(e.statusCode).toBe(400);
    return (e.body as { message: string }).message;
  }
  throw new Error("expected a 400");
}

describe("parseListQuery", () => {
  it("defaults limit to 25 and reads one cursor", () => {
    expect(parseListQuery({})).toEqual({ limit: 25 });
    expect(parseListQuery({ limit: "1000", after: "u1" })).toEqual({
      limit: 1000,
      cursor: { direction: "after", userId: "u1" },
    });
    expect(parseListQuery({ limit: "1", before: "u1" })).toEqual({
      limit: 1,
      cursor: { direction: "before", userId: "u1" },
    });
  });

  it.each(["0", "1001", "-1", "1.5", "abc", "", "1e3", " 5", "99999999999999999999"])(
    "rejects limit=%s naming limit",
    (limit) => {
      expect(badRequestMessage(() => parseListQuery({ limit }))).toMatch(/\blimit\b/);
    },
  );

  it("rejects both cursors and empty ones, naming them", () => {
    expect(badRequestMessage(() => parseListQuery({ after: "a", before: "b" }))).toMatch(/after.*before/);
    expect(badRequestMessage(() => parseListQuery({ after: "" }))).toMatch(/\bafter\b/);
    expect(badRequestMessage(() => parseListQuery({ before: "" }))).toMatch(/\bbefore\b/);
  });
});

describe("parseDays", () => {
  it("is absent or 1 to 366", () => {
    expect(parseDays(undefined)).toBeUndefined();
    expect(parseDays("1")).toBe(1);
    expect(parseDays("366")).toBe(366);
    for (const days of ["0", "367", "x", "", "7.0"])
      expect(badRequestMessage(() => parseDays(days))).toMatch(/\bdays\b/);
  });
});
