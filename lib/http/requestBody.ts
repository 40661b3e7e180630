/**
 * A request body's bytes as text, strictly (CONTRACT §2: a body that isn't UTF-8 is malformed JSON, RFC 8259 §8.1).
 *
 * Why not `Buffer#toString("utf8")`: it replaces every byte sequence that isn't UTF-8 (`\xc3(`, the overlong
 * `\xc0\xaf`, a UTF-16 surrogate encoded as `\xed\xa0\x80`) with U+FFFD, so such a body was accepted and its ids
 * stored with U+FFFD in place of what was sent. A fatal TextDecoder refuses them instead. A byte-order mark is kept
 * (`ignoreBOM`), so it stays what JSON.parse refuses, as before.
 *
 * Where the bytes come from: the REST API declares every media type binary (infra/api.ts), so API Gateway hands the
 * handler every body base64-encoded (`isBase64Encoded`), byte for byte; the local server does the same
 * (scripts/lib/apiGatewayEvent.ts). A body that arrives as text was decoded before it reached us and is taken as is.
 */

/** A body whose bytes are not UTF-8: routes that read a body answer it as malformed; the others ignore it. */
export class NotUtf8Body {
  constructor(
    /** Its size in bytes, for the size limit (checked before the encoding). */
    readonly bytes: number,
  ) {}
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as text, or NotUtf8Body if they are not UTF-8. */
export function decodeBody(bytes: Uint8Array): string | NotUtf8Body {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return new NotUtf8Body(bytes.byteLength);
  }
}

/** The body of an API Gateway proxy event (`body`, `isBase64Encoded`) as the routes see it. */
export function eventBody(body: string | null | undefined, isBase64Encoded: boolean): string | NotUtf8Body | null {
  if (body === null || body === undefined) return null;
  return isBase64Encoded ? decodeBody(Buffer.from(body, "base64")) : body;
}
