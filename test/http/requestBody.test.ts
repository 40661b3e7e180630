import { describe, expect, it } from "vitest";
import { decodeBody, eventBody, NotUtf8Body } from "../../lib/http/requestBody.js";

describe("decodeBody", () => {
  it("decodes UTF-8 exactly, multi-byte characters and a byte-order mark included", () => {
    expect(decodeBody(Buffer.from("é😀\u{10FFFF}", "utf8"))).toBe("é😀\u{10FFFF}");
    expect(decodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe("\ufeff{}");
    expect(decodeBody(new Uint8Array())).toBe("");
  });

  it.each([
    ["a lead byte before ASCII", [0x62, 0xc3, 0x28]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["an overlong NUL", [0xc0, 0x80]],
    ["a surrogate encoded in UTF-8", [0xed, 0xa0, 0x80]],
    ["a surrogate pair encoded as two code points (CESU-8)", [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
    ["a lone continuation byte", [0x80]],
    ["a truncated sequence at the end", [0x61, 0xe2, 0x82]],
    ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["0xff", [0xff]],
  ])("refuses %s, keeping the size", (_what, bytes) => {
    const decoded = decodeBody(Buffer.from(bytes));
    expect(decoded).toBeInstanceOf(NotUtf8Body);
    expect((decoded as NotUtf8Body).bytes).toBe(bytes.length);
  });

  it("a refusal leaves the decoder usable for the next body", () => {
    expect(decodeBody(Buffer.from([0xe2, 0x82]))).toBeInstanceOf(NotUtf8Body);
    expect(decodeBody(Buffer.from([0xac]))).toBeInstanceOf(NotUtf8Body);
    expect(decodeBody(Buffer.from("€", "utf8"))).toBe("€");
  });
});

describe("eventBody", () => {
  it("decodes base64 strictly, takes text as it came, keeps null and empty apart", () => {
    expect(eventBody(Buffer.from("{}").toString("base64"), true)).toBe("{}");
    expect(eventBody(Buffer.from([0xc0, 0xaf]).toString("base64"), true)).toBeInstanceOf(NotUtf8Body);
    expect(eventBody("{}", false)).toBe("{}");
    expect(eventBody(null, true)).toBeNull();
    expect(eventBody(undefined, false)).toBeNull();
    expect(eventBody("", true)).toBe("");
  });
});
