import type { Transform } from "node:stream";
import { promisify } from "node:util";
import { type BrotliOptions, brotliCompress, constants, createBrotliCompress, createGzip, gzip } from "node:zlib";
import type { APIGatewayProxyResult } from "aws-lambda";
import {
  type ContentCoding,
  chooseCoding,
  fitsLambdaResponse,
  gzipThreshold,
  variesByEncoding,
} from "../../lib/http/compression.js";
import { json } from "../../lib/http/types.js";

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Brotli at quality 5 with a 16 MB window (2^24, the largest every standard decoder accepts): ~0.25 s for a 12 MB
 * answer of 300,000 UUID user-days, 10× smaller than gzip when users recur across days.
 */
function brotliOptions(sizeHint?: number): BrotliOptions {
  return {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: 5,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      ...(sizeHint === undefined ? {} : { [constants.BROTLI_PARAM_SIZE_HINT]: sizeHint }),
    },
  };
}

function compress(body: Buffer, coding: ContentCoding): Promise<Buffer> {
  if (coding === "gzip") return gzipAsync(body);
  return brotliAsync(body, brotliOptions(body.length));
}

/** The same codings as a stream, for an answer compressed while it is written (streamingHttpHandler.ts). */
export function compressionStream(coding: ContentCoding): Transform {
  return coding === "gzip" ? createGzip() : createBrotliCompress(brotliOptions());
}

/**
 * The proxy result for an answer, compressed (brotli or gzip) and base64-encoded when the client accepts it and the
 * body is over the threshold (RESPONSE_GZIP_THRESHOLD_BYTES, default 1 MiB: see lib/http/compression.ts). API Gateway decodes the
 * base64 because the REST API declares every media type binary (infra/api.ts); the local server does the same.
 * A result that would still pass Lambda's 6 MB limit becomes `tooLarge` (the family's error body, 400).
 */
export async function encodeResult(
  result: APIGatewayProxyResult,
  acceptEncoding: string | undefined,
  tooLarge: unknown,
): Promise<APIGatewayProxyResult> {
  const threshold = gzipThreshold(process.env.RESPONSE_GZIP_THRESHOLD_BYTES);
  const bodyBytes = Buffer.byteLength(result.body, "utf8");
  let encoded = result;
  if (variesByEncoding(bodyBytes, threshold)) {
    encoded = { ...result, headers: { ...result.headers, vary: "Accept-Encoding" } };
  }
  const coding = chooseCoding(bodyBytes, acceptEncoding, threshold);
  if (coding) {
    const compressed = await compress(Buffer.from(result.body, "utf8"), coding);
    encoded = {
      ...encoded,
      headers: { ...encoded.headers, "content-encoding": coding },
      body: compressed.toString("base64"),
      isBase64Encoded: true,
    };
  }
  if (fitsLambdaResponse(Buffer.byteLength(JSON.stringify(encoded), "utf8"))) return encoded;
  const refusal = json(400, tooLarge);
  return { ...refusal, headers: { ...refusal.headers, ...pick(result.headers, "x-request-id") } };
}

function pick(headers: APIGatewayProxyResult["headers"], name: string): Record<string, string> {
  const value = headers?.[name];
  return value === undefined ? {} : { [name]: String(value) };
}
