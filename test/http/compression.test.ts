import { randomBytes } from "node:crypto";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeResult } from "../../functions/shared/compressResponse.js";
import {
  acceptsGzip,
  chooseCoding,
  DEFAULT_GZIP_THRESHOLD_BYTES,
  fitsLambdaResponse,
  gzipThreshold,
  LAMBDA_RESPONSE_LIMIT_BYTES,
  shouldGzip,
  variesByEncoding,
} from "../../lib/http/compression.js";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { json } from "../../lib/http/types.js";

/** The compression decision (pure), then the encoding of a proxy result (zlib, no storage). */

describe("acceptsGzip", () => {
  it.each([
    ["gzip", true],
    ["gzip, deflate, br", true],
    ["br;q=1.0, GZIP;q=0.5", true],
    ["x-gzip", true],
    ["*", true],
    ["deflate, *;q=0.1", true],
    [undefined, false],
    ["", false],
    ["identity", false],
    ["br, deflate", false],
    ["gzip;q=0", false],
    ["*, gzip;q=0", false],
    ["*;q=0", false],
    ["gzip;q=abc", false],
  ])("%s → %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe("chooseCoding", () => {
  it.each([
    ["gzip, deflate, br", "br"],
    ["br", "br"],
    ["gzip", "gzip"],
    ["br;q=0.5, gzip", "gzip"],
    ["br;q=0, gzip", "gzip"],
    ["*", "br"],
    ["identity", null],
    [undefined, null],
  ])("%s over the threshold → %s", (header, expected) => {
    expect(chooseCoding(1001, header, 1000)).toBe(expected);
  });

  it("sends nothing compressed at or under the threshold", () => {
    expect(chooseCoding(1000, "br, gzip", 1000)).toBeNull();
  });
});

describe("shouldGzip", () => {
  it("gzips only bodies over the threshold, for clients that accept gzip", () => {
    expect(shouldGzip(1001, "gzip", 1000)).toBe(true);
    expect(shouldGzip(1000, "gzip", 1000)).toBe(false);
    expect(shouldGzip(5_000_000, "identity", 1000)).toBe(false);
    expect(shouldGzip(5_000_000, undefined, 1000)).toBe(false);
  });

  it("says the encoding varies (Vary) exactly when the body is over the threshold", () => {
    expect(variesByEncoding(1001, 1000)).toBe(true);
    expect(variesByEncoding(1000, 1000)).toBe(false);
  });

  it("fits Lambda's 6 MB buffered limit up to and including 6 MiB", () => {
    expect(fitsLambdaResponse(LAMBDA_RESPONSE_LIMIT_BYTES)).toBe(true);
    expect(fitsLambdaResponse(LAMBDA_RESPONSE_LIMIT_BYTES + 1)).toBe(false);
  });

  it("reads a configured threshold, falling back to 1 MiB for anything that isn't a byte count", () => {
    expect(gzipThreshold("2048")).toBe(2048);
    expect(gzipThreshold("0")).toBe(0);
    expect(gzipThreshold(undefined)).toBe(DEFAULT_GZIP_THRESHOLD_BYTES);
    expect(gzipThreshold("")).toBe(DEFAULT_GZIP_THRESHOLD_BYTES);
    expect(gzipThreshold("-1")).toBe(DEFAULT_GZIP_THRESHOLD_BYTES);
    expect(gzipThreshold("1.5")).toBe(DEFAULT_GZIP_THRESHOLD_BYTES);
    expect(gzipThreshold("1MB")).toBe(DEFAULT_GZIP_THRESHOLD_BYTES);
  });
});

describe("encodeResult", () => {
  // Only the buffered families go through encodeResult (the dashboard streams: test/http/streamingHttpHandler.test.ts).
  const tooLarge = familyErrors.users.responseTooLarge;
  const withId = (result: ReturnType<typeof json>) => ({
    ...result,
    headers: { ...result.headers, "x-request-id": "r1" },
  });
  /** ~2 MB of ids: over the default threshold, compressible like an active-users answer. */
  const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i.toString().padStart(8, "0")}`);

  it("leaves small answers as they are, with no Vary", async () => {
    const result = withId(json(200, { success: true }));
    expect(await encodeResult(result, "gzip", tooLarge)).toEqual(result);
  });

  it("gzips a big answer for a gzip client: base64 body that inflates to the same JSON, Content-Encoding and Vary", async () => {
    const result = withId(json(200, { usersList: ids }));
    const encoded = await encodeResult(result, "gzip, deflate", tooLarge);
    expect(encoded.statusCode).toBe(200);
    expect(encoded.isBase64Encoded).toBe(true);
    expect(encoded.headers).toMatchObject({
      "content-encoding": "gzip",
      vary: "Accept-Encoding",
      "content-type": "application/json; charset=utf-8",
      "x-request-id": "r1",
    });
    expect(gunzipSync(Buffer.from(encoded.body, "base64")).toString("utf8")).toBe(result.body);
    expect(encoded.body.length).toBeLessThan(result.body.length / 3);
  });

  it("prefers brotli, whose 16 MB window finds users repeated across days (gzip's 32 KB does not)", async () => {
    // 30 days of the same 10,000 UUID-like ids in a different order each day: ~12 MB of JSON.
    const users = Array.from({ length: 10_000 }, () => randomBytes(16).toString("hex"));
    const days = Array.from({ length: 30 }, (_, d) => ({
      usersList: [...users.slice(d * 300), ...users.slice(0, d * 300)],
    }));
    const result = withId(json(200, { month: days }));
    const br = await encodeResult(result, "gzip, deflate, br", tooLarge);
    expect(br.headers).toMatchObject({ "content-encoding": "br", vary: "Accept-Encoding" });
    expect(brotliDecompressSync(Buffer.from(br.body, "base64")).toString("utf8")).toBe(result.body);
    expect(br.body.length).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES / 4);
    // gzip alone can't fit the same answer: the family's refusal.
    expect((await encodeResult(result, "gzip", tooLarge)).statusCode).toBe(400);
  });

  it("sends a big answer uncompressed (with Vary) to a client that doesn't accept gzip, while it fits", async () => {
    const result = withId(json(200, { usersList: ids }));
    const encoded = await encodeResult(result, undefined, tooLarge);
    expect(encoded.isBase64Encoded).toBeUndefined();
    expect(encoded.body).toBe(result.body);
    expect(encoded.headers).toMatchObject({ vary: "Accept-Encoding" });
    expect(encoded.headers).not.toHaveProperty("content-encoding");
  });

  it("refuses with the family's 400 when even gzipped the result would pass 6 MB", async () => {
    // Random bytes don't compress: ~7 MB of base64 text stays over the limit gzipped.
    const result = withId(json(200, { blob: randomBytes(5_300_000).toString("base64") }));
    const encoded = await encodeResult(result, "gzip", tooLarge);
    expect(encoded.statusCode).toBe(400);
    expect(JSON.parse(encoded.body)).toEqual(tooLarge);
    expect(encoded.headers).toMatchObject({ "x-request-id": "r1", "content-type": "application/json; charset=utf-8" });
    expect(encoded.isBase64Encoded).toBeUndefined();
  });

  it("refuses an uncompressed result that passes 6 MB only once its quotes are escaped in the proxy result", async () => {
    // ~4.8 MB of body, but every `"` doubles to `\"` inside the serialized result: over 6 MiB for a non-gzip client.
    const quoted = Array.from({ length: 1_200_000 }, () => "a");
    const result = withId(json(200, { usersList: quoted }));
    expect(Buffer.byteLength(result.body)).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    const encoded = await encodeResult(result, undefined, familyErrors.users.responseTooLarge);
    expect(encoded.statusCode).toBe(400);
    expect(JSON.parse(encoded.body)).toEqual(familyErrors.users.responseTooLarge);
    // The same answer gzipped fits.
    expect((await encodeResult(result, "gzip", familyErrors.users.responseTooLarge)).statusCode).toBe(200);
  });
});
