// The alias keeps this move to the import line; the call can take the new name with the next change here.
import { authorizeApiKey } from "../auth/apiKey.js";
import { NotUtf8Body } from "../http/requestBody.js";
import { HttpError, type HttpRequest, type HttpResponse, json } from "../http/types.js";
import type { Store } from "../storage/client.js";
import type { ErasureQueue } from "../tenants/erasureJob.js";
import { parseJson } from "../validation/exactNumbers.js";
import { ingestEvents } from "./ingest.js";
import { MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH } from "./schema.js";

const payloadTooLarge = () => new HttpError(413, { error: "payload_too_large" });

/** The events of a request body, or the contract's 400/413 (CONTRACT §2). */
export function parseEventsBody(body: HttpRequest["body"]): unknown[] {
  const bytes = body instanceof NotUtf8Body ? body.bytes : Buffer.byteLength(body ?? "", "utf8");
  if (bytes > MAX_BODY_BYTES) throw payloadTooLarge();
  const invalidJson = () => new HttpError(400, { error: "invalid_json" });
  // Bytes that aren't UTF-8 are not JSON text (RFC 8259 §8.1): refused, never stored as U+FFFD.
  if (body instanceof NotUtf8Body) throw invalidJson();
  let parsed: unknown;
  try {
    // JSON.parse, noting the numbers a double can't hold exactly: a `profile` holding one is refused (validate.ts).
    parsed = parseJson(body ?? "");
  } catch {
    throw invalidJson();
  }
  const events = (parsed as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new HttpError(400, {
      error: "invalid_events",
      event_errors: [
        { index: null, field: "events", message: `must be an array of 1 to ${MAX_EVENTS_PER_BATCH} events` },
      ],
    });
  }
  if (events.length > MAX_EVENTS_PER_BATCH) throw payloadTooLarge();
  return events;
}

/**
 * `POST /api/backend/v1/events`: API key with `ingest`, then all-or-nothing ingestion. `erasures`: where the
 * erasure jobs of its `user.erased` events are queued (absent locally: the demo server's loop finds them).
 */
export async function ingestRoute(store: Store, request: HttpRequest, erasures?: ErasureQueue): Promise<HttpResponse> {
  const environmentId = await authorizeApiKey(store, request, "ingest");
  const events = parseEventsBody(request.body);
  const result = await ingestEvents(store, environmentId, events);
  await queueErasureJobs(environmentId, events, erasures);
  return json(200, result);
}

/**
 * `user.erased` leaves the rest of the erasure (snapshot rows, invites) to a job that its batch recorded
 * (lib/tenants/erasureJob.ts); the request only queues it, so its cost does not grow with the tenant. Queued for
 * duplicates too, so a retried request finishes what a failed one started (a job already done ends at once).
 */
async function queueErasureJobs(environmentId: string, events: unknown[], queue: ErasureQueue | undefined) {
  if (!queue) return;
  const erased = new Set<string>();
  for (const event of events as { type?: unknown; user_id?: unknown }[]) {
    if (event.type === "user.erased" && typeof event.user_id === "string") erased.add(event.user_id);
  }
  if (erased.size > 0) await queue.send([...erased].map((user_id) => ({ environment_id: environmentId, user_id })));
}
