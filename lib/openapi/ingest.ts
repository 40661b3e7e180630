import * as z from "zod";
import { EVENT_TYPES, envelopeSchema, eventSchemas, idSchema, MAX_EVENTS_PER_BATCH } from "../ingest/schema.js";
import { ID_JSON_SCHEMA, ID_RULE_TEXT } from "../validation/ids.js";

/**
 * The ingestion request body (CONTRACT §2) for the document, composed from the zod/mini schemas ingestion validates
 * with (lib/ingest/schema.ts): the envelope's `event_id` and each type's own fields. Only `occurred_at` is described
 * here, since ingestion parses it by hand (lib/ingest/occurredAt.ts: an ISO 8601 string or unix seconds).
 */

const componentName = (type: string) =>
  `${type
    .split(/[._]/)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("")}Event`;

const occurredAt = z
  .union([z.string().meta({ example: "2026-11-23T10:00:00Z" }), z.int().min(0).meta({ example: 1763892000 })])
  .optional()
  .meta({
    description:
      "When it happened: an ISO 8601 string or integer unix seconds; default the time received; at most 5 minutes in the future.",
  });

// Every id of an event (user_id, org_id, event_id): the byte limit and the rest of lib/validation/ids.ts's rule.
z.globalRegistry.add(
  idSchema as never,
  {
    description: `${ID_RULE_TEXT}.`,
    override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => Object.assign(jsonSchema, ID_JSON_SCHEMA),
  } as never,
);

const eventId = envelopeSchema.shape.event_id;
z.globalRegistry.add(eventId, {
  description:
    "Idempotency key: an event whose event_id was already accepted counts as a duplicate and changes nothing.",
});

export const eventSchemasForDocument = EVENT_TYPES.map((type) =>
  z
    .object({
      type: z.literal(type),
      occurred_at: occurredAt,
      event_id: eventId,
      ...(eventSchemas[type] as unknown as { shape: Record<string, z.ZodType> }).shape,
    })
    .meta({ id: componentName(type) }),
);

export const eventsBodySchema = z
  .object({
    events: z
      .array(z.discriminatedUnion("type", eventSchemasForDocument as unknown as [z.ZodObject, ...z.ZodObject[]]))
      .min(1)
      .max(MAX_EVENTS_PER_BATCH),
  })
  .meta({
    description: `1 to ${MAX_EVENTS_PER_BATCH} events, at most 1 MiB in all; validated all-or-nothing.`,
    example: {
      events: [
        { type: "user.created", user_id: "u-42", email: "ada@example.com", event_id: "signup-u-42" },
        { type: "user.active", user_id: "u-42", occurred_at: "2026-11-23T10:00:00Z", event_id: "login-u-42-1" },
      ],
    },
  });

export const ingestResultSchema = z
  .object({ accepted: z.int().min(0), duplicates: z.int().min(0) })
  .meta({ id: "IngestResult", example: { accepted: 2, duplicates: 0 } });

export const invalidEventsSchema = z
  .object({
    error: z.literal("invalid_events"),
    event_errors: z.array(z.object({ index: z.int().min(0).nullable(), field: z.string(), message: z.string() })),
  })
  .meta({
    id: "InvalidEvents",
    example: {
      error: "invalid_events",
      event_errors: [{ index: 3, field: "occurred_at", message: "must not be more than 5 minutes in the future" }],
    },
  });

export const invalidJsonSchema = z.object({ error: z.literal("invalid_json") }).meta({ id: "InvalidJson" });
export const payloadTooLargeSchema = z
  .object({ error: z.literal("payload_too_large") })
  .meta({ id: "PayloadTooLarge" });
