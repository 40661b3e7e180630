// zod/mini: the same validation as zod, tree-shaken to what is used (it keeps the ingest Lambda small).
import * as z from "zod/mini";
import { idProblem, isWellFormedText, MAX_ID_BYTES } from "../validation/ids.js";

/** The events of CONTRACT §2, as zod schemas: one per event type, over a common envelope. */

export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;
/** How far in the future an `occurred_at` may lie (clock skew of senders). */
export const MAX_FUTURE_MS = 5 * 60 * 1000;

const wellFormed = z.refine<string>((value) => isWellFormedText(value), { error: "must be valid Unicode" });
const text = (max: number) =>
  z
    .string({ error: "must be a string" })
    .check(z.maxLength(max, { error: `must be at most ${max} characters` }), wellFormed);
/** Ids end up in DynamoDB keys: lib/validation/ids.ts has the rule (≤ 256 UTF-8 bytes, no control characters). */
export const idSchema = z.string({ error: "must be a string" }).check(
  z.maxLength(MAX_ID_BYTES, { error: `must be at most ${MAX_ID_BYTES} bytes (UTF-8)` }),
  z.superRefine((value, ctx) => {
    if (value.length > MAX_ID_BYTES) return; // reported by maxLength above
    const problem = idProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
  }),
);
const optionalText = z.optional(
  z.nullable(
    z
      .string({ error: "must be a string or null" })
      .check(z.maxLength(1024, { error: "must be at most 1024 characters" }), wellFormed),
  ),
);
const profileFields = {
  username: optionalText,
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  // The shapes only: their limits (jsonFields.ts) are checked on the objects as sent, which the event keeps
  // (validate.ts), since a record rebuilt by the parser would drop a `__proto__` key.
  profile: z.optional(z.record(z.string(), z.unknown(), { error: "must be an object" })),
  signup_query_parameters: z.optional(
    z.record(z.string(), z.string({ error: "must have string values" }), { error: "must be an object of strings" }),
  ),
};

export const eventSchemas = {
  "user.created": z.object({ user_id: idSchema, ...profileFields }),
  "user.updated": z.object({ user_id: idSchema, ...profileFields }),
  "user.deleted": z.object({ user_id: idSchema }),
  "user.erased": z.object({ user_id: idSchema }),
  "user.active": z.object({ user_id: idSchema }),
  "user.invited": z.object({
    user_id: idSchema,
    invitee_email: text(320).check(z.regex(/^[^@\s]+@[^@\s]+$/, { error: "must be an email address" })),
    org_id: z.optional(idSchema),
  }),
  "org.created": z.object({ org_id: idSchema, name: text(1024) }),
  "org.updated": z.object({ org_id: idSchema, name: text(1024) }),
  "org.member_added": z.object({ org_id: idSchema, user_id: idSchema, role: optionalText }),
  "org.member_removed": z.object({ org_id: idSchema, user_id: idSchema }),
} as const;

export type EventType = keyof typeof eventSchemas;
export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

type Payload<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

/** A validated event: its type's fields, the instant in ms, and the key that makes its effects idempotent. */
export type IngestEvent = {
  [T in EventType]: { type: T; at: number; eventId?: string } & Payload<T>;
}[EventType];

export const envelopeSchema = z.object({
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]], {
    error: `must be one of ${EVENT_TYPES.join(", ")}`,
  }),
  occurred_at: z.optional(z.unknown()),
  event_id: z.optional(idSchema),
});
