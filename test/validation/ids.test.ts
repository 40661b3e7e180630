import { describe, expect, it } from "vitest";
import { idProblem, isStorableId, MAX_ID_BYTES } from "../../lib/validation/ids.js";

describe("isStorableId (the shared id rule)", () => {
  it("accepts ids up to 256 UTF-8 bytes, whatever their length in characters", () => {
    expect(MAX_ID_BYTES).toBe(256);
    for (const id of ["u", "a".repeat(256), "é".repeat(128), "😀".repeat(64), `${"日本".repeat(42)}ab`, "a b/c%?#"]) {
      expect(Buffer.byteLength(id), id).toBeLessThanOrEqual(256);
      expect(isStorableId(id), id).toBe(true);
    }
  });

  it("refuses ids over 256 UTF-8 bytes, naming the limit", () => {
    for (const id of ["a".repeat(257), "a".repeat(2100), "é".repeat(129), `${"😀".repeat(64)}a`, "日".repeat(86)]) {
      expect(Buffer.byteLength(id), id).toBeGreaterThan(256);
      expect(isStorableId(id)).toBe(false);
      expect(idProblem(id)).toBe("must be at most 256 bytes (UTF-8)");
    }
  });

  it("refuses the empty id, control characters (C0, DEL, C1) and unpaired surrogates", () => {
    expect(idProblem("")).toBe("must not be empty");
    for (const c of ["\u0000", "\u0001", "\t", "\n", "\u001f", "\u007f", "\u0085", "\u009f"]) {
      expect(idProblem(`a${c}b`), JSON.stringify(c)).toBe("must not contain control characters");
    }
    for (const id of ["\ud800", "a\udc00", "\udc00\ud800", "x\ud83dy"]) {
      expect(idProblem(id), JSON.stringify(id)).toBe("must be valid Unicode");
    }
    expect(isStorableId(undefined)).toBe(false);
  });

  it("keeps printable characters that merely look odd (spaces, format characters, private use)", () => {
    for (const id of [" ", "a\u00a0b", "a\u200bb", "\ue000", "\ud83d\ude00"]) expect(isStorableId(id), id).toBe(true);
  });
});
