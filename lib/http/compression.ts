/**
 * Whether an HTTP answer is sent gzipped, and whether it fits a Lambda response at all (pure: no I/O, no zlib).
 *
 * | decision                  | rule                                                                            |
 * |---------------------------|---------------------------------------------------------------------------------|
 * | compress the body         | over the threshold, and the client accepts br (preferred) or gzip, q > 0        |
 * | answer `responseTooLarge` | the serialized proxy result would still pass Lambda's 6 MB buffered limit        |
 * |                           | (buffered families only: the dashboard's function streams, see                  |
 * |                           | functions/shared/streamingHttpHandler.ts, and has no 6 MB limit)                |
 *
 * Why a 1 MiB default threshold: below it gzip buys little time on the wire but costs CPU and makes the answer
 * unreadable in logs and plain curl; above it a list of user ids shrinks ~5–10×. It also sits far below 6 MB: an
 * uncompressed body grows when embedded in the proxy result (every `"` becomes `\"`), and base64 of a gzipped one
 * grows by 4/3, so only bodies well past the threshold can come near the limit.
 */

/** Lambda's limit on a buffered (non-streamed) response: the whole serialized proxy result, headers included. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * What a streamed Lambda response may carry (API Gateway REST `STREAM` mode passes it on): 200 MB. The first 6 MB
 * leave Lambda (and the first 10 MB API Gateway) at full speed, the rest at 2 MB/s.
 */
export const LAMBDA_STREAMED_RESPONSE_LIMIT_BYTES = 200 * 1024 * 1024;

export const DEFAULT_GZIP_THRESHOLD_BYTES = 1024 * 1024;

/** A content coding the handlers can send: brotli finds repeats across a whole answer, gzip only within 32 KB. */
export type ContentCoding = "br" | "gzip";

/** Each coding's quality in an `Accept-Encoding` value (names in lower case; a malformed q counts as 0). */
function qualities(acceptEncoding: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (!coding) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    out.set(coding.trim(), Number.isFinite(quality) ? quality : 0);
  }
  return out;
}

/** The client's quality for a coding: named (gzip also as x-gzip), else `*`, else 0. */
function qualityOf(acceptEncoding: string | undefined, coding: ContentCoding): number {
  if (!acceptEncoding) return 0;
  const q = qualities(acceptEncoding);
  const named = q.get(coding) ?? (coding === "gzip" ? q.get("x-gzip") : undefined);
  return named ?? q.get("*") ?? 0;
}

/** True if `Accept-Encoding` names gzip (or `*`) with a non-zero quality and doesn't refuse gzip by name. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return qualityOf(acceptEncoding, "gzip") > 0;
}

/**
 * The coding a body of `bodyBytes` (UTF-8) is sent in, or null for as-is: only over the threshold, brotli when the
 * client accepts it at least as gladly as gzip (an active-users answer repeats each user on every day they were
 * active, megabytes apart: brotli's 16 MB window finds those repeats, gzip's 32 KB does not), else gzip.
 */
export function chooseCoding(
  bodyBytes: number,
  acceptEncoding: string | undefined,
  thresholdBytes: number,
): ContentCoding | null {
  if (bodyBytes <= thresholdBytes) return null;
  const br = qualityOf(acceptEncoding, "br");
  const gzip = qualityOf(acceptEncoding, "gzip");
  if (br > 0 && br >= gzip) return "br";
  return gzip > 0 ? "gzip" : null;
}

/** Whether a body of `bodyBytes` (UTF-8) is sent gzipped to a client sending `acceptEncoding`. */
export function shouldGzip(bodyBytes: number, acceptEncoding: string | undefined, thresholdBytes: number): boolean {
  return chooseCoding(bodyBytes, acceptEncoding, thresholdBytes) === "gzip";
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
