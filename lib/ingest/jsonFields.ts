import { isWellFormedText } from "../validation/ids.js";

/**
 * Limits of the free-form JSON fields of a user (`profile`, `signup_query_parameters`), chosen so that whatever
 * validation accepts is storable: both are stored as JSON text (any key, `__proto__` and `constructor` included,
 * survives; DynamoDB's 32-level nesting limit doesn't apply), and a user item holding them twice (its state and the
 * pre-image of its last write, see writeEntities.ts) stays far below DynamoDB's 400 KB item limit.
 */
export const MAX_PROFILE_BYTES = 32 * 1024;
export const MAX_PROFILE_DEPTH = 10;
export const MAX_SIGNUP_PARAMETERS = 50;
export const MAX_SIGNUP_PARAMETER_BYTES = 1024;
export const MAX_SIGNUP_PARAMETER_KEY_BYTES = 256;

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** Nesting depth of a JSON value: a scalar is 0, `{}` 1, `{"a": {}}` 2. */
function depthOf(value: unknown, limit: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (limit <= 0) return 1; // deeper than anyone asks for: stop descending
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return 1 + deepest;
}

/** Strings anywhere in a JSON value (keys included) that UTF-8 can't encode. */
function hasMalformedText(value: unknown): boolean {
  if (typeof value === "string") return !isWellFormedText(value);
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(value).some(([key, child]) => !isWellFormedText(key) || hasMalformedText(child));
}

/** Why a `profile` can't be stored, or undefined. */
export function profileProblem(profile: Record<string, unknown>): string | undefined {
  if (depthOf(profile, MAX_PROFILE_DEPTH + 1) > MAX_PROFILE_DEPTH) {
    return `must be at most ${MAX_PROFILE_DEPTH} levels deep`;
  }
  if (bytes(JSON.stringify(profile)) > MAX_PROFILE_BYTES) {
    return `must be at most ${MAX_PROFILE_BYTES} bytes as JSON`;
  }
  if (hasMalformedText(profile)) return "must be valid Unicode";
  return undefined;
}

/** Why `signup_query_parameters` can't be stored, or undefined. */
export function signupParametersProblem(parameters: Record<string, unknown>): string | undefined {
  const entries = Object.entries(parameters);
  if (entries.length > MAX_SIGNUP_PARAMETERS) return `must have at most ${MAX_SIGNUP_PARAMETERS} keys`;
  for (const [key, value] of entries) {
    if (typeof value !== "string") return "must have string values";
    if (bytes(key) > MAX_SIGNUP_PARAMETER_KEY_BYTES) {
      return `keys must be at most ${MAX_SIGNUP_PARAMETER_KEY_BYTES} bytes (UTF-8)`;
    }
    if (bytes(value) > MAX_SIGNUP_PARAMETER_BYTES) {
      return `values must be at most ${MAX_SIGNUP_PARAMETER_BYTES} bytes (UTF-8)`;
    }
  }
  if (hasMalformedText(parameters)) return "must be valid Unicode";
  return undefined;
}
