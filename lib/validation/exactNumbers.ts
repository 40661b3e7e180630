import { randomUUID } from "node:crypto";

/**
 * Numbers of a JSON text that a double can't hold exactly, found while parsing it, so that a free-form field
 * (`profile`) is refused rather than stored as something other than what was sent: `1e400` would be stored as
 * `null`, `1e-400` as `0`, `12345678901234567890` as `12345678901234567000`.
 *
 * **Exact** means that what is stored (JSON.stringify of the double JSON.parse makes of the number) has the value
 * that was sent: `1.0` and `1`, `1e2` and `100`, `0.10` and `0.1`, `-0` and `0` are the same value, kept exactly
 * (the spelling is not kept). `0.1` is exact in this sense (it round-trips), and so is every integer up to 2^53 and
 * any larger one written back with the same digits (`100000000000000000000`); `9007199254740993` is not (it would
 * be stored as …992), nor 2^60 (`1152921504606846976` would be stored as `1152921504606847000`).
 *
 * How: JSON.parse first (unchanged semantics: `__proto__` an ordinary own key, the last of duplicate keys wins), then
 * a scan of the text for number tokens (skipped when the text has no exponent and no 16 digits in a row). Only if
 * one is inexact (rare) is the text parsed again with each inexact token replaced by a string no sender can write
 * (a random nonce), and a walk of the result puts the number back and notes where it sat (holder object and key).
 *
 * Why not a library or a reviver: Node 20's reviver has no access to the source text (`context.source` comes with
 * Node 21), and lossless-json's parser turns a `__proto__` key into the object's prototype (and throws on
 * duplicate keys), so neither is used; its `isSafeNumber` compares digits only, and refuses `100000000000000000000`
 * while it accepts `1e20`, the same value.
 */

/** Where each inexact number sat: its holder (object or array) → key → the number's text as sent. */
const inexactIn = new WeakMap<object, Map<string, string>>();

/** At a number's first character: the number token (sticky). */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** At a string's opening quote: the string token, escapes included (sticky). */
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/y;
const SHORT_INTEGER = /^-?\d{1,15}$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** What any number that might be inexact contains: an exponent, or 16 digits (a number of ≤ 15 is always exact). */
const MAYBE_INEXACT = /\d[eE]|[\d.]{16}/;

/** A decimal's value in one canonical spelling (`digits`e`exponent`, no leading or trailing zeros; zero is `0`). */
function canonical(text: string): string | undefined {
  const parts = DECIMAL.exec(text);
  if (!parts) return undefined; // Infinity, NaN
  const [, sign, whole, fraction = "", exponent = "0"] = parts as unknown as [string, string, string, string?, string?];
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return "0"; // -0, 0.000, 0e999: all zero
  const significant = digits.replace(/0+$/, "");
  // BigInt: an exponent may have any number of digits (`1e99999999999999999999`).
  const power = BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - significant.length);
  return `${sign}${significant}e${power}`;
}

/** Whether a JSON number token's value is exactly that of the double it parses to. */
export function isExactNumber(text: string): boolean {
  if (SHORT_INTEGER.test(text)) return true; // up to 15 digits: below 2^53, always exact
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  const written = String(value);
  // Most numbers are sent as JavaScript writes them (JSON.stringify): the same spelling, no need to compare values.
  return written === text || canonical(text) === canonical(written);
}

/** The number tokens of a valid JSON text that are not exact, with where each starts (strings skipped whole). */
function inexactTokens(text: string): { at: number; token: string }[] {
  const found: { at: number; token: string }[] = [];
  for (let at = 0; at < text.length; ) {
    const char = text.charCodeAt(at);
    const scanner = char === 0x22 ? STRING : char === 0x2d || (char >= 0x30 && char <= 0x39) ? NUMBER : undefined;
    if (!scanner) {
      at += 1;
      continue;
    }
    scanner.lastIndex = at;
    scanner.test(text);
    if (scanner === NUMBER) {
      const token = text.slice(at, NUMBER.lastIndex);
      if (!isExactNumber(token)) found.push({ at, token });
    }
    at = scanner.lastIndex;
  }
  return found;
}

/**
 * JSON.parse of `text` (throws as it does), noting every number that a double can't hold exactly, for
 * `firstInexactNumber`. The values are those JSON.parse gives.
 */
export function parseJson(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  const inexact = MAYBE_INEXACT.test(text) ? inexactTokens(text) : [];
  if (inexact.length === 0) return parsed;
  // Each inexact number becomes a string no sender can write; the walk below puts the number back and notes where.
  const nonce = `${randomUUID()}:`;
  const parts: string[] = [];
  let from = 0;
  inexact.forEach(({ at, token }, i) => {
    parts.push(text.slice(from, at), `"${nonce}${i}"`);
    from = at + token.length;
  });
  parts.push(text.slice(from));
  const marked: unknown = JSON.parse(parts.join(""));
  // Iterative: a body may nest arrays far deeper than the call stack goes.
  const holders: unknown[] = [marked];
  while (holders.length > 0) {
    const holder = holders.pop();
    if (typeof holder !== "object" || holder === null) continue;
    for (const key of Object.keys(holder)) {
      const value = (holder as Record<string, unknown>)[key];
      if (typeof value === "object" && value !== null) holders.push(value);
      if (typeof value !== "string" || !value.startsWith(nonce)) continue;
      const token = (inexact[Number(value.slice(nonce.length))] as { token: string }).token;
      // Assignment sets an own `__proto__` key as any other (JSON.parse made it an own data property).
      (holder as Record<string, unknown>)[key] = Number(token);
      const notes = inexactIn.get(holder) ?? new Map<string, string>();
      notes.set(key, token);
      inexactIn.set(holder, notes);
    }
  }
  return marked;
}

export interface InexactNumber {
  /** Keys from the value given down to the number (array indices as strings). */
  path: string[];
  /** The number as sent. */
  text: string;
  /** What storing it would have written instead (JSON of the double it parses to). */
  storedAs: string;
}

/** The first number under `value` (parsed by parseJson) that a double can't hold exactly, depth first. */
export function firstInexactNumber(value: unknown, path: string[] = []): InexactNumber | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const notes = inexactIn.get(value);
  for (const [key, child] of Object.entries(value)) {
    const text = notes?.get(key);
    if (text !== undefined && child === Number(text)) {
      return { path: [...path, key], text, storedAs: JSON.stringify(Number(text)) };
    }
    const below = firstInexactNumber(child, [...path, key]);
    if (below) return below;
  }
  return undefined;
}
