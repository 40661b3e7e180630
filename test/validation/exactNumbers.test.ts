import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstInexactNumber, isExactNumber, parseJson } from "../../lib/validation/exactNumbers.js";

describe("isExactNumber", () => {
  it.each([
    "0",
    "-0",
    "1",
    "1.0",
    "1e2",
    "1E+2",
    "100",
    "0.1",
    "0.10",
    "-2.5e-3",
    "123456789012345",
    "9007199254740991",
    "9007199254740992",
    "100000000000000000000", // 1e20, written out
    "1e21",
    "1.7976931348623157e308",
    "5e-324",
    "0e99999999999999999999",
    "0.000",
  ])("%s keeps its value", (text) => {
    expect(isExactNumber(text)).toBe(true);
  });

  it.each([
    "1e400",
    "-1e400",
    "1e-400",
    "12345678901234567890",
    "9007199254740993",
    "1152921504606846976", // 2^60: a double holds it, but writes it as 1152921504606847000 (another value)
    "0.1000000000000000055511151231257827",
    "1.00000000000000001",
    "2e-324",
    "1e99999999999999999999",
  ])("%s does not", (text) => {
    expect(isExactNumber(text)).toBe(false);
  });

  it("agrees with JSON.parse-then-stringify on every double (what a double writes, it reads back exactly)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(isExactNumber(JSON.stringify(value))).toBe(true);
      }),
    );
  });

  it("keeps an integer past 2^53 exactly when its double is written with the same value (below 1e21: digits)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 69n }), (n) => {
        expect(isExactNumber(n.toString())).toBe(BigInt(JSON.stringify(Number(n))) === n);
      }),
    );
  });
});

describe("parseJson", () => {
  it("gives what JSON.parse gives, `__proto__` an own key, the last duplicate winning", () => {
    const text = '{"__proto__":{"x":1e400},"a":[1,12345678901234567890,{"b":"1e400"}],"c":2,"c":3}';
    const parsed = parseJson(text) as Record<string, unknown>;
    expect(parsed).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__", "a", "c"]);
    expect(() => parseJson("{nope")).toThrow(SyntaxError);
  });

  it("finds the first inexact number with its path, what was sent and what would be stored", () => {
    const parsed = parseJson(
      '{"p":{"ok":1.0,"s":"12345678901234567890","list":[1,{"big":12345678901234567890}],"huge":1e400}}',
    ) as { p: unknown };
    expect(firstInexactNumber(parsed.p)).toEqual({
      path: ["list", "1", "big"],
      text: "12345678901234567890",
      storedAs: "12345678901234567000",
    });
    const tiny = parseJson('{"__proto__":{"t":1e-400}}');
    expect(firstInexactNumber(tiny)).toEqual({ path: ["__proto__", "t"], text: "1e-400", storedAs: "0" });
    expect(firstInexactNumber(parseJson('{"x":1e400}'))).toMatchObject({ storedAs: "null" });
  });

  it("finds none where every number is exact, digits inside strings and escaped quotes included", () => {
    const parsed = parseJson('{"a":"\\"1e400","b":[1.0,1e2,-0,0.1],"c":"12345678901234567890"}');
    expect(firstInexactNumber(parsed)).toBeUndefined();
  });

  it("an inexact number under a `__proto__` key is an own property, the prototype untouched", () => {
    const parsed = parseJson('{"__proto__":1e400,"a":{"__proto__":12345678901234567890}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toBe(Number.POSITIVE_INFINITY);
    expect(Object.getPrototypeOf(parsed.a)).toBe(Object.prototype);
    expect(firstInexactNumber(parsed)).toMatchObject({ path: ["__proto__"], text: "1e400" });
  });

  it("walks a body nested deeper than the call stack without overflowing it", () => {
    const depth = 100_000;
    const parsed = parseJson(`${"[".repeat(depth)}1e400${"]".repeat(depth)}`);
    let inner: unknown = parsed;
    for (let i = 0; i < depth; i++) inner = (inner as unknown[])[0];
    expect(inner).toBe(Number.POSITIVE_INFINITY);
  });

  it("a duplicate key whose kept value is exact has nothing to report", () => {
    expect(firstInexactNumber(parseJson('{"a":1e400,"a":1}'))).toBeUndefined();
    expect(firstInexactNumber(parseJson('{"a":1,"a":1e400}'))).toMatchObject({ path: ["a"] });
  });

  it("a string that looks like the marker of another parse is just a string", () => {
    const first = parseJson('{"a":1e400}');
    expect(firstInexactNumber(first)).toBeDefined();
    const forged = parseJson('{"a":"00000000-0000-0000-0000-000000000000:0","b":1}');
    expect(forged).toEqual({ a: "00000000-0000-0000-0000-000000000000:0", b: 1 });
    expect(firstInexactNumber(forged)).toBeUndefined();
  });
});
