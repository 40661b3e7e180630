import type { core } from "zod/mini";
import { parseOccurredAt } from "./occurredAt.js";
import { envelopeSchema, eventSchemas, type IngestEvent, MAX_EVENTS_PER_BATCH } from "./schema.js";

export interface EventError {
  index: number;
  field: string;
  message: string;
}

export type Validation = { ok: true; events: IngestEvent[] } | { ok: false; errors: EventError[] };

function issuesToErrors(index: number, issues: core.$ZodIssue[]): EventError[] {
  return issues.map((issue) => ({
    index,
    field: issue.path.length ? issue.path.map(String).join(".") : "event",
    message: issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message,
  }));
}

/** Validates one event; `index` is its place in the batch (or the line, for the CLI). */
export function validateEvent(raw: unknown, index: number, nowMs: number): IngestEvent | EventError[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return [{ index, field: "event", message: "must be an object" }];
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return issuesToErrors(index, envelope.error.issues);
  const errors: EventError[] = [];
  const at = parseOccurredAt(envelope.data.occurred_at, nowMs);
  if (typeof at !== "number") errors.push({ index, field: "occurred_at", message: at.error });
  const payload = eventSchemas[envelope.data.type].safeParse(raw);
  if (!payload.success) errors.push(...issuesToErrors(index, payload.error.issues));
  if (errors.length > 0 || typeof at !== "number" || !payload.success) return errors;
  const event = { ...payload.data, type: envelope.data.type, at } as IngestEvent;
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
