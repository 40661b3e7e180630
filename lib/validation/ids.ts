/**
 * The one rule for ids that end up in a DynamoDB key (user, org and event ids, cursors): at most 256 UTF-8 bytes
 * and no control characters. DynamoDB allows 2,048 bytes for a partition key and 1,024 for a sort key; our keys
 * wrap an id in a prefix (`E#{env}#U#{id}`, `{ISO}#{id}` in an index), so 256 bytes leaves room for every wrapper.
 * Control characters are refused because they make ids unprintable in logs, CSVs and the admin CLI.
 */

export const MAX_ID_BYTES = 256;

const isControl = (code: number) => code < 0x20 || code === 0x7f;
const hasControlCharacter = (text: string) => {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
};
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A lone surrogate can't be encoded as UTF-8: DynamoDB would store U+FFFD instead of what was sent. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Why `id` can't be stored as an id, or undefined when it can. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return "must not be empty";
  if (Buffer.byteLength(id, "utf8") > MAX_ID_BYTES) return `must be at most ${MAX_ID_BYTES} bytes (UTF-8)`;
  if (hasControlCharacter(id)) return "must not contain control characters";
  if (!isWellFormedText(id)) return "must be valid Unicode";
  return undefined;
}

export function isStorableId(id: string): boolean {
  return idProblem(id) === undefined;
}
