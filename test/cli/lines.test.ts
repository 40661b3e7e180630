import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Line, readLines } from "../../lib/cli/lines.js";
import { NotUtf8Body } from "../../lib/http/requestBody.js";

const dir = mkdtempSync(join(tmpdir(), "lines-"));

async function collect(content: string | Buffer) {
  const path = join(dir, `f${Math.random()}`);
  writeFileSync(path, content);
  const out: Line[] = [];
  for await (const line of readLines(path)) out.push(line);
  return out;
}

describe("readLines", () => {
  it("numbers lines from 1, strips CR and a leading BOM, keeps a last line without newline", async () => {
    const lines = await collect("\uFEFFa\r\n\nb\nc");
    expect(lines.map((l) => [l.number, l.text])).toEqual([
      [1, "a"],
      [2, ""],
      [3, "b"],
      [4, "c"],
    ]);
  });

  it("keeps multi-byte characters split across chunks and reports bytes read up to the file size", async () => {
    const line = "é€😀".repeat(5000);
    const content = Array.from({ length: 40 }, () => line).join("\n");
    const lines = await collect(content);
    expect(lines).toHaveLength(40);
    expect(lines.every((l) => l.text === line)).toBe(true);
    expect(lines.at(-1)?.bytesRead).toBe(Buffer.byteLength(content));
  });

  it("gives a line whose bytes aren't UTF-8 as NotUtf8Body, the lines around it as text (issue 17)", async () => {
    const bad = (bytes: number[]) =>
      Buffer.concat([Buffer.from('{"user_id":"bad'), Buffer.from(bytes), Buffer.from('"}')]);
    const content = Buffer.concat([
      Buffer.from("first é\n"),
      bad([0xc3, 0x28]),
      Buffer.from("\n"),
      bad([0xc0, 0xaf]),
      Buffer.from("\nlast 😀\n"),
      bad([0xed, 0xa0, 0x80]),
    ]);
    const lines = await collect(content);
    expect(lines.map((l) => [l.number, l.text instanceof NotUtf8Body ? "not UTF-8" : l.text])).toEqual([
      [1, "first é"],
      [2, "not UTF-8"],
      [3, "not UTF-8"],
      [4, "last 😀"],
      [5, "not UTF-8"],
    ]);
  });

  it("a multi-byte character split across chunks is not taken for bad bytes", async () => {
    const line = `${"a".repeat(256 * 1024 - 1)}é`;
    const lines = await collect(`${line}\n${line}`);
    expect(lines.map((l) => l.text)).toEqual([line, line]);
  });

  it("yields nothing for an empty file", async () => {
    expect(await collect("")).toEqual([]);
  });
});
