/**
 * Whether an HTTP answer is sent gzipped, and whether it fits a Lambda response at all (pure: no I/O, no zlib).
 *
 * | decision                  | rule                                                                            |
 * |---------------------------|---------------------------------------------------------------------------------|
 * | gzip the body             | the client accepts gzip (Accept-Encoding, q > 0) and the body is over threshold  |
 * | answer `responseTooLarge` | the serialized proxy result would still pass Lambda's 6 MB buffered limit        |
 *
 * Why a 1 MiB default threshold: below it gzip buys little time on the wire but costs CPU and makes the answer
 * unreadable in logs and plain curl; above it a list of user ids shrinks ~5–10×. It also sits far below 6 MB: an
 * uncompressed body grows when embedded in the proxy result (every `"` becomes `\"`), and base64 of a gzipped one
 * grows by 4/3, so only bodies well past the threshold can come near the limit.
 */

/** Lambda's limit on a buffered (non-streamed) response: the whole serialized proxy result, headers included. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

export const DEFAULT_GZIP_THRESHOLD_BYTES = 1024 * 1024;

/** True if `Accept-Encoding` names gzip (or `*`) with a non-zero quality and doesn't refuse gzip by name. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  const qualities = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (!coding) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    qualities.set(coding.trim(), Number.isFinite(quality) ? quality : 0);
  }
  const gzip = qualities.get("gzip") ?? qualities.get("x-gzip");
  if (gzip !== undefined) return gzip > 0;
  return (qualities.get("*") ?? 0) > 0;
}

/** Whether a body of `bodyBytes` (UTF-8) is sent gzipped to a client sending `acceptEncoding`. */
export function shouldGzip(bodyBytes: number, acceptEncoding: string | undefined, thresholdBytes: number): boolean {
  return bodyBytes > thresholdBytes && acceptsGzip(acceptEncoding);
}

/** Whether the answer's encoding depends on Accept-Encoding (so caches must key on it: `Vary`). */
export function variesByEncoding(bodyBytes: number, thresholdBytes: number): boolean {
  return bodyBytes > thresholdBytes;
}

/** Whether a proxy result serialized to `resultBytes` can be returned by a buffered Lambda. */
export function fitsLambdaResponse(resultBytes: number): boolean {
  return resultBytes <= LAMBDA_RESPONSE_LIMIT_BYTES;
}

/** A threshold from configuration (bytes, a non-negative integer), else the default. */
export function gzipThreshold(configured: string | undefined): number {
  const value = configured === undefined || configured === "" ? Number.NaN : Number(configured);
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_GZIP_THRESHOLD_BYTES;
}
