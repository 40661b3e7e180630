import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readLines } from "../../lib/cli/lines.js";

const dir = mkdtempSync(join(tmpdir(), "lines-"));

async function collect(content: string | Buffer) {
  const path = join(dir, `f${Math.random()}`);
  writeFileSync(path, content);
  const out: { number: number; text: string; bytesRead: number }[] = [];
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

  it("yields nothing for an empty file", async () => {
    expect(await collect("")).toEqual([]);
  });
});
