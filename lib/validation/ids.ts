/**
 * The one rule for ids that end up in a DynamoDB key (user, org and event ids, cursors; CONTRACT §0 "Limits"):
 * ingestion refuses an event whose id breaks it (lib/ingest/schema.ts), and every read route answers such an id
 * with its family's 404 (400 for a cursor) without asking DynamoDB, which would refuse an over-long key and so turn
 * the request into a 500.
 *
 * - **1 to 256 UTF-8 bytes.** DynamoDB allows 2,048 bytes for a partition key and 1,024 for a sort key; our keys wrap
 *   an id in a prefix (`E#{env}#U#{id}`, `{ISO}#{id}` in an index), so 256 bytes leaves room for every wrapper.
 *   Bytes, not characters: DynamoDB counts UTF-8 bytes, and 256 CJK characters are 768 of them.
 * - **No control characters** (Unicode Cc: U+0000–U+001F, U+007F–U+009F): they make ids unprintable in logs, CSVs
 *   and the admin CLI.
 * - **Well-formed UTF-16** (no lone surrogate): it has no UTF-8 form, so DynamoDB would store U+FFFD instead of what
 *   was sent, and two different ids would become one.
 */

export const MAX_ID_BYTES = 256;

/**
 * The rule in the OpenAPI document's JSON Schema keywords. JSON Schema counts characters, not bytes: `maxLength` is
 * the bound it can state (an id of at most 256 bytes has at most 256 characters) and `x-max-utf8-bytes` the real
 * limit; the pattern refuses control characters. Lone surrogates have no keyword (the description says it).
 */
export const ID_JSON_SCHEMA = {
  type: "string",
  minLength: 1,
  maxLength: MAX_ID_BYTES,
  pattern: "^[^\\u0000-\\u001F\\u007F-\\u009F]+$",
  "x-max-utf8-bytes": MAX_ID_BYTES,
};

export const ID_RULE_TEXT = `1 to ${MAX_ID_BYTES} UTF-8 bytes, no control characters, valid Unicode`;

const CONTROL_CHARACTER = /\p{Cc}/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A lone surrogate can't be encoded as UTF-8: DynamoDB would store U+FFFD instead of what was sent. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Why `id` can't be stored as an id, or undefined when it can. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return "must not be empty";
  // Length first, cheaply: every UTF-16 unit takes at least one UTF-8 byte, so a longer string cannot fit.
  if (id.length > MAX_ID_BYTES || Buffer.byteLength(id, "utf8") > MAX_ID_BYTES) {
    return `must be at most ${MAX_ID_BYTES} bytes (UTF-8)`;
  }
  if (CONTROL_CHARACTER.test(id)) return "must not contain control characters";
  if (!isWellFormedText(id)) return "must be valid Unicode";
  return undefined;
}

/** Whether `id` can be an id: what ingestion accepts, and so the only ids a read route can find. */
export function isStorableId(id: string | undefined): id is string {
  return id !== undefined && idProblem(id) === undefined;
}
