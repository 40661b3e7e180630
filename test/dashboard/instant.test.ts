import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIsoInstant } from "../../lib/dashboard/instant.js";

const MIN = Date.parse("0000-01-01T00:00:00.000Z");
const MAX = Date.parse("9999-12-31T23:59:59.999Z");

/** An instant written at a UTC offset (minutes east), independently of the parser. */
function withOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

describe("parseIsoInstant", () => {
  it("reads every toISOString() instant back to the same millisecond", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), (ms) => {
        expect(parseIsoInstant(new Date(ms).toISOString())).toBe(ms);
      }),
    );
  });

  it("applies offsets: local time minus the offset is the instant", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("1900-01-02T00:00:00Z"), max: Date.parse("2100-01-01T00:00:00Z") }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (ms, offset) => {
          expect(parseIsoInstant(withOffset(ms, offset))).toBe(ms);
        },
      ),
    );
  });

  it.each([
    ["2023-10-05T14:48:00.000Z", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T14:48:00Z", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T14:48Z", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T14:48:00.5Z", Date.UTC(2023, 9, 5, 14, 48, 0, 500)],
    ["2023-10-05T14:48:00.123456789Z", Date.UTC(2023, 9, 5, 14, 48, 0, 123)],
    ["2023-10-05t14:48:00z", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T16:48:00+02:00", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T16:48:00+0200", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T16:48:00+02", Date.UTC(2023, 9, 5, 14, 48)],
    ["2023-10-05T00:30:00-05:30", Date.UTC(2023, 9, 5, 6, 0)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["0050-06-01T00:00:00Z", Date.parse("0050-06-01T00:00:00Z")],
  ])("accepts %s", (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });

  it.each([
    undefined,
    "",
    "garbage",
    "2023-10-05",
    "2023-10-05T14:48:00",
    "2023-10-05T14:48:00.000",
    "2023-10-05 14:48:00Z",
    "1696517280000",
    "2023-02-29T00:00:00Z",
    "2023-04-31T00:00:00Z",
    "2023-13-01T00:00:00Z",
    "2023-00-10T00:00:00Z",
    "2023-10-00T00:00:00Z",
    "2023-10-05T24:00:00Z",
    "2023-10-05T23:60:00Z",
    "2023-10-05T23:59:60Z",
    "2023-10-05T14:48:00+24:00",
    "2023-10-05T14:48:00+02:60",
    "+002023-10-05T14:48:00Z",
    " 2023-10-05T14:48:00Z",
    "2023-10-05T14:48:00Z ",
    "Thu Oct 05 2023 14:48:00 GMT+0000",
  ])("rejects %s", (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });
});
