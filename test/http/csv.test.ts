import { describe, expect, it } from "vitest";
import { csvField, csvLine, csvLines, wantsCsv } from "../../lib/http/csv.js";

async function* pages<T>(...chunks: T[][]) {
  yield* chunks;
}

async function text(lines: AsyncIterable<string>) {
  let out = "";
  for await (const line of lines) out += line;
  return out;
}

describe("CSV (RFC 4180)", () => {
  it("quotes fields holding quotes, commas or line breaks, doubling quotes; CRLF line ends", () => {
    expect(csvLine(["a", 'say "hi"', "x,y", "two\nlines", "cr\r"])).toBe(
      'a,"say ""hi""","x,y","two\nlines","cr\r"\r\n',
    );
  });

  it("writes null as empty, numbers and booleans as text, nested values as JSON text", () => {
    expect(csvLine([null, undefined, 0, 12.5, true, [{ org_id: "o", user_role: null }], { n: 1 }])).toBe(
      ',,0,12.5,true,"[{""org_id"":""o"",""user_role"":null}]","{""n"":1}"\r\n',
    );
  });

  it("neutralises formulas: text starting with = + - @ gets a leading quote; numbers stay numbers", () => {
    expect(["=1+1", "+x", "-y", "@SUM(A1)", "a=b"].map(csvField)).toEqual(["'=1+1", "'+x", "'-y", "'@SUM(A1)", "a=b"]);
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-5)).toBe("-5");
  });

  it("streams the header then one string per non-empty page", async () => {
    const columns = [
      { name: "id", value: (r: { id: string }) => r.id },
      { name: "len", value: (r: { id: string }) => r.id.length },
    ];
    const parts: string[] = [];
    for await (const part of csvLines(columns, pages([{ id: "a" }, { id: "bb" }], [], [{ id: "c" }]))) parts.push(part);
    expect(parts).toEqual(["id,len\r\n", "a,1\r\nbb,2\r\n", "c,1\r\n"]);
    expect(await text(csvLines(columns, pages()))).toBe("id,len\r\n");
  });

  it("negotiates: text/csv when it is preferred over JSON", () => {
    expect(wantsCsv("text/csv")).toBe(true);
    expect(wantsCsv("text/csv, application/json")).toBe(true);
    expect(wantsCsv("application/json, text/csv")).toBe(false);
    expect(wantsCsv("application/json;q=0.5, text/csv")).toBe(true);
    expect(wantsCsv("text/csv;q=0")).toBe(false);
    expect(wantsCsv("*/*")).toBe(false);
    expect(wantsCsv(undefined)).toBe(false);
    expect(wantsCsv("TEXT/CSV; charset=utf-8")).toBe(true);
  });
});
