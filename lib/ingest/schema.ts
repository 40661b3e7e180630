// zod/mini: the same validation as zod, tree-shaken to what is used (it keeps the ingest Lambda small).
import * as z from "zod/mini";

/** The events of CONTRACT §2, as zod schemas: one per event type, over a common envelope. */

export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;
/** How far in the future an `occurred_at` may lie (clock skew of senders). */
export const MAX_FUTURE_MS = 5 * 60 * 1000;

const text = (max: number) =>
  z.string({ error: "must be a string" }).check(z.maxLength(max, { error: `must be at most ${max} characters` }));
const id = text(256).check(
  z.minLength(1, { error: "must not be empty" }),
  z.refine((value) => ![...value].some((c) => c.charCodeAt(0) < 0x20), {
    error: "must not contain control characters",
  }),
);
const optionalText = z.optional(
  z.nullable(
    z
      .string({ error: "must be a string or null" })
      .check(z.maxLength(1024, { error: "must be at most 1024 characters" })),
  ),
);
const profileFields = {
  username: optionalText,
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  profile: z.optional(z.record(z.string(), z.unknown(), { error: "must be an object" })),
  signup_query_parameters: z.optional(
    z.record(z.string(), z.string({ error: "must have string values" }), { error: "must be an object of strings" }),
  ),
};

export const eventSchemas = {
  "user.created": z.object({ user_id: id, ...profileFields }),
  "user.updated": z.object({ user_id: id, ...profileFields }),
  "user.deleted": z.object({ user_id: id }),
  "user.active": z.object({ user_id: id }),
  "user.invited": z.object({
    user_id: id,
    invitee_email: text(320).check(z.regex(/^[^@\s]+@[^@\s]+$/, { error: "must be an email address" })),
    org_id: z.optional(id),
  }),
  "org.created": z.object({ org_id: id, name: text(1024) }),
  "org.updated": z.object({ org_id: id, name: text(1024) }),
  "org.member_added": z.object({ org_id: id, user_id: id, role: optionalText }),
  "org.member_removed": z.object({ org_id: id, user_id: id }),
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
  event_id: z.optional(text(128).check(z.minLength(1, { error: "must not be empty" }))),
});
