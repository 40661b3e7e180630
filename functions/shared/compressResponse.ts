import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { APIGatewayProxyResult } from "aws-lambda";
import { fitsLambdaResponse, gzipThreshold, shouldGzip, variesByEncoding } from "../../lib/http/compression.js";
import { json } from "../../lib/http/types.js";

const gzipAsync = promisify(gzip);

/**
 * The proxy result for an answer, gzipped and base64-encoded when the client accepts gzip and the body is over the
 * threshold (RESPONSE_GZIP_THRESHOLD_BYTES, default 1 MiB: see lib/http/compression.ts). API Gateway decodes the
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
  if (shouldGzip(bodyBytes, acceptEncoding, threshold)) {
    const compressed = await gzipAsync(Buffer.from(result.body, "utf8"));
    encoded = {
      ...encoded,
      headers: { ...encoded.headers, "content-encoding": "gzip" },
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
