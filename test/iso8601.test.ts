import { describe, expect, it } from "vitest";
import { parseIso8601 } from "../lib/iso8601.js";

describe("parseIso8601", () => {
  it.each([
    ["2023-10-05T14:48:00.000Z", "2023-10-05T14:48:00.000Z"],
    ["2023-10-05T16:48:00+02:00", "2023-10-05T14:48:00.000Z"],
    ["2023-10-05T09:18-0530", "2023-10-05T14:48:00.000Z"],
    ["2023-10-05t14:48z", "2023-10-05T14:48:00.000Z"],
    ["2023-10-05 14:48:00.123456Z", "2023-10-05T14:48:00.123Z"],
    ["2023-10-05T14:48:00", "2023-10-05T14:48:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
  ])("reads %s as %s", (value, iso) => {
    expect(parseIso8601(value)).toBe(Date.parse(iso));
  });

  it.each([
    "2023-02-29",
    "2023-10-05T24:00:00Z",
    "2023-10-05T14:60Z",
    "2023-10-05T14:48:60Z",
    "2023-13-01",
    "05/10/2023",
    "2023-10-05T14:48+24:00",
    " 2023-10-05",
  ])("rejects %s", (value) => {
    expect(parseIso8601(value)).toBeUndefined();
  });

  it("lets each caller demand a time, a zone and the T", () => {
    const strict = { requireTime: true, requireZone: true, requireT: true };
    expect(parseIso8601("2023-10-05", strict)).toBeUndefined();
    expect(parseIso8601("2023-10-05T14:48:00", strict)).toBeUndefined();
    expect(parseIso8601("2023-10-05 14:48:00Z", strict)).toBeUndefined();
    expect(parseIso8601("2023-10-05T14:48:00Z", strict)).toBe(Date.parse("2023-10-05T14:48:00Z"));
  });
});
