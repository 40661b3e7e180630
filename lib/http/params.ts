/// <reference types="zod-openapi" />
import * as z from "zod";

/**
 * Request parameters parsed by their zod schema, the one the OpenAPI document (lib/openapi/) renders, so the
 * document and the validation cannot drift. A family turns the first issue (fields are checked in the schema's
 * order) into its own error format.
 */
export function parseParams<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  toError: (issue: z.core.$ZodIssue) => Error,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw toError(result.error.issues[0] as z.core.$ZodIssue);
}

/**
 * A query integer from `min` to `max` written in decimal digits only (so `1e3`, ` 5` or `2.5` are refused), with
 * `message` for anything else; documented as the integer it is. `pattern` lets a family keep its own spelling rule.
 */
export function queryInteger({
  min,
  max,
  message,
  pattern = /^\d{1,10}$/,
}: {
  min: number;
  max: number;
  message: string;
  pattern?: RegExp;
}) {
  return z
    .string({ error: message })
    .regex(pattern, { error: message })
    .transform(Number)
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: message })
    .meta({
      // Documented as the integer it is: the digits-only pattern is how a query string spells one.
      override: ({ jsonSchema }) => {
        delete jsonSchema.pattern;
        Object.assign(jsonSchema, { type: "integer", minimum: min, maximum: max });
      },
    });
}

/** A regular expression (ECMA-262, no flags) source matching `value` in any letter case: `Daily` → `[Dd][Aa]…`. */
export function anyCasePattern(value: string): string {
  return [...value]
    .map((c) => {
      const lower = c.toLowerCase();
      const upper = c.toUpperCase();
      if (lower !== upper && lower.length === 1 && upper.length === 1) return `[${upper}${lower}]`;
      return c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
}

/**
 * One of `allowed` in any letter case (and, with `trim`, surrounding blanks), parsed to its canonical spelling;
 * `message` for anything else, or when absent. Documented as what it accepts: a pattern matching every letter case
 * (an `enum` would forbid `monthly`, which the server takes), with the canonical values as `examples` and in
 * `x-enum-any-case`.
 */
export function caseInsensitiveEnum<const T extends readonly string[]>(allowed: T, message: string, trim = false) {
  const blanks = trim ? "\\s*" : "";
  const pattern = `^${blanks}(?:${allowed.map(anyCasePattern).join("|")})${blanks}$`;
  return z
    .string({ error: message })
    .transform((value, ctx) => {
      const wanted = (trim ? value.trim() : value).toLowerCase();
      const found = allowed.find((a) => a.toLowerCase() === wanted);
      if (found === undefined) ctx.issues.push({ code: "custom", message, input: value });
      return found as T[number];
    })
    .meta({
      override: { type: "string", pattern, examples: [...allowed], "x-enum-any-case": [...allowed] },
    });
}
