import type { core } from "zod/mini";
import { firstInexactNumber } from "../validation/exactNumbers.js";
import { profileProblem, signupParametersProblem } from "./jsonFields.js";
import { parseOccurredAt } from "./occurredAt.js";
import { envelopeSchema, eventSchemas, type IngestEvent, MAX_EVENTS_PER_BATCH } from "./schema.js";

export interface EventError {
  index: number;
  field: string;
  message: string;
}

export type Validation = { ok: true; events: IngestEvent[] } | { ok: false; errors: EventError[] };

/** The value at `path` in what was sent (zod's issues don't carry it). */
function valueSentAt(raw: unknown, path: PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function issuesToErrors(index: number, issues: core.$ZodIssue[], raw: unknown): EventError[] {
  return issues.map((issue) => ({
    index,
    field: issue.path.length ? issue.path.map(String).join(".") : "event",
    // Absent: "is required"; present but of the wrong type: what the schema says it must be.
    message:
      issue.code === "invalid_type" && valueSentAt(raw, issue.path) === undefined ? "is required" : issue.message,
  }));
}

type JsonFields = { profile?: Record<string, unknown>; signup_query_parameters?: Record<string, unknown> };

/**
 * `profile` and `signup_query_parameters` as sent (the parsed JSON's own objects, where `__proto__` is an ordinary
 * key), once the schema has accepted their shape.
 */
function jsonFieldsAsSent(parsed: object, sent: Record<string, unknown>): JsonFields {
  const fields: JsonFields = {};
  if ("profile" in parsed && parsed.profile !== undefined) fields.profile = sent.profile as Record<string, unknown>;
  if ("signup_query_parameters" in parsed && parsed.signup_query_parameters !== undefined) {
    fields.signup_query_parameters = sent.signup_query_parameters as Record<string, unknown>;
  }
  return fields;
}

function* jsonFieldProblems(fields: JsonFields): Generator<[string, string]> {
  const profile = fields.profile && profileProblem(fields.profile);
  if (profile) yield ["profile", profile];
  // Stored as sent or not at all: a number a double can't hold would be stored as another (lib/validation/exactNumbers.ts).
  const inexact = fields.profile && !profile ? firstInexactNumber(fields.profile) : undefined;
  if (inexact) {
    yield [
      ["profile", ...inexact.path].join("."),
      `is ${inexact.text}, which can't be stored exactly (it would become ${inexact.storedAs}): send it as a string`,
    ];
  }
  const parameters = fields.signup_query_parameters && signupParametersProblem(fields.signup_query_parameters);
  if (parameters) yield ["signup_query_parameters", parameters];
}

/** Validates one event; `index` is its place in the batch (or the line, for the CLI). */
export function validateEvent(raw: unknown, index: number, nowMs: number): IngestEvent | EventError[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return [{ index, field: "event", message: "must be an object" }];
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return issuesToErrors(index, envelope.error.issues, raw);
  const errors: EventError[] = [];
  const at = parseOccurredAt(envelope.data.occurred_at, nowMs);
  if (typeof at !== "number") errors.push({ index, field: "occurred_at", message: at.error });
  const payload = eventSchemas[envelope.data.type].safeParse(raw);
  if (!payload.success) errors.push(...issuesToErrors(index, payload.error.issues, raw));
  const sent = raw as Record<string, unknown>;
  const jsonFields = payload.success ? jsonFieldsAsSent(payload.data, sent) : {};
  for (const [field, problem] of jsonFieldProblems(jsonFields)) errors.push({ index, field, message: problem });
  if (errors.length > 0 || typeof at !== "number" || !payload.success) return errors;
  const event = { ...payload.data, ...jsonFields, type: envelope.data.type, at } as IngestEvent;
  if (envelope.data.event_id !== undefined) event.eventId = envelope.data.event_id;
  return event;
}

/** All-or-nothing validation of a batch (CONTRACT §2): every error of every event, or every event parsed. */
export function validateEvents(raw: unknown[], nowMs: number): Validation {
  const events: IngestEvent[] = [];
  const errors: EventError[] = [];
  raw.forEach((item, index) => {
    const result = validateEvent(item, index, nowMs);
    if (Array.isArray(result)) errors.push(...result);
    else events.push(result);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, events };
}

export { MAX_EVENTS_PER_BATCH };
