import { basicUserName, bearerToken, verifyApiKey } from "../auth/credentials.js";
import { NotUtf8Body } from "../http/requestBody.js";
import { HttpError, type HttpRequest, type HttpResponse, json } from "../http/types.js";
import { ingestValidEvents } from "../ingest/ingest.js";
import { type IngestEvent, MAX_EVENTS_PER_BATCH } from "../ingest/schema.js";
import { type EventError, validateEvents } from "../ingest/validate.js";
import type { Store } from "../storage/client.js";
import { firstInexactNumber, parseJson } from "../validation/exactNumbers.js";
import { mapMessage, type SegmentType } from "./mapMessage.js";

/**
 * Segment's HTTP tracking API (CONTRACT §11): `POST /v1/batch` and the single-message routes, answered as Segment's
 * API answers (`{"success": ...}`), on the ingestion pipeline of §2. Messages are mapped to events (mapMessage.ts),
 * each message's events validated exactly as native ones (a message whose events are not all valid is left out of a
 * batch that has good ones, as Segment drops its bad messages), then ingested with the same exactly-once machinery
 * (lib/ingest/ingest.ts), in chunks of §2's batch size. The mapping is deterministic (event ids derived from
 * `messageId`: eventIds.ts), so a batch that failed midway and is sent again counts each message once.
 */

/** Segment's limits: a batch body, and one message serialized. */
export const SEGMENT_MAX_BATCH_BYTES = 500 * 1024;
export const SEGMENT_MAX_MESSAGE_BYTES = 32 * 1024;

/** Errors named in a 400's message at most (the rest summarised). */
const MAX_ERRORS_TOLD = 5;

const segmentError = (statusCode: number, message: string) => new HttpError(statusCode, { success: false, message });

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The environment of the request's write key: Basic user name (or Bearer), else `writeKey` in the body; or 401. */
async function authorize(store: Store, request: HttpRequest, body: Json): Promise<string> {
  const header = request.headers.authorization;
  const candidates = [bearerToken(header) ?? basicUserName(header), body.writeKey].filter(
    (key): key is string => typeof key === "string" && key.length > 0,
  );
  for (const key of new Set(candidates)) {
    const principal = await verifyApiKey(store, key);
    if (principal?.permissions.includes("ingest")) return principal.environmentId;
  }
  throw segmentError(
    401,
    "Unauthorized: send an API key with the ingest permission as the Basic user name or writeKey",
  );
}

function parseBody(body: HttpRequest["body"]): Json {
  const bytes = body instanceof NotUtf8Body ? body.bytes : Buffer.byteLength(body ?? "", "utf8");
  if (bytes > SEGMENT_MAX_BATCH_BYTES) {
    throw segmentError(413, `Request body is over ${SEGMENT_MAX_BATCH_BYTES / 1024} KB`);
  }
  // Bytes that aren't UTF-8 are not JSON text: refused, never stored as U+FFFD (as on the events route).
  if (body instanceof NotUtf8Body) throw segmentError(400, "Request body is not valid JSON (not UTF-8)");
  let parsed: unknown;
  try {
    parsed = parseJson(body ?? "");
  } catch {
    throw segmentError(400, "Request body is not valid JSON");
  }
  if (!isObject(parsed)) throw segmentError(400, "Request body must be a JSON object");
  // Traits and properties become free-form fields: a number a double can't hold exactly is refused, not changed.
  const inexact = firstInexactNumber(parsed);
  if (inexact) {
    throw segmentError(
      400,
      `${inexact.path.join(".")} is ${inexact.text}, which can't be stored exactly (it would become ${inexact.storedAs}): send it as a string`,
    );
  }
  return parsed;
}

/** The messages of the body: the `batch` array, or the body itself on a single-message route. */
function messagesOf(body: Json, routeType: SegmentType | undefined): unknown[] {
  if (routeType !== undefined) return [body];
  if (!Array.isArray(body.batch)) throw segmentError(400, "batch must be an array of messages");
  return body.batch;
}

interface Origin {
  /** Where the message is (`batch[3]`, or "" for a single-message route). */
  place: string;
  sources: Record<string, string>;
}

const fieldName = (place: string, field: string) => (place && field ? `${place}.${field}` : place || field);

/**
 * Every message as validated events, or what is wrong with it told in its own terms (`batch[2].traits.email must be
 * ...`); a message over Segment's size limit is the 413 of the whole request.
 */
function mapMessages(messages: unknown[], routeType: SegmentType | undefined, sentAt: unknown, now: number) {
  return messages.map((message, index): { events: IngestEvent[] } | { errors: string[] } => {
    const place = routeType === undefined ? `batch[${index}]` : "";
    if (Buffer.byteLength(JSON.stringify(message) ?? "", "utf8") > SEGMENT_MAX_MESSAGE_BYTES) {
      throw segmentError(413, `${place || "Message"} is over ${SEGMENT_MAX_MESSAGE_BYTES / 1024} KB`);
    }
    const mapped = mapMessage(message, routeType, sentAt);
    if (!mapped.ok) return { errors: [`${fieldName(place, mapped.field)} ${mapped.message}`] };
    const validation = validateEvents(
      mapped.events.map(({ event }) => event),
      now,
    );
    if (validation.ok) return { events: validation.events };
    const origins = mapped.events.map(({ sources }) => ({ place, sources }));
    return { errors: validation.errors.map((error) => describe(error, origins)) };
  });
}

/** A validation error of an event, told in the message's own terms (`batch[2].traits.email must be ...`). */
function describe(error: EventError, origins: Origin[]): string {
  const origin = origins[error.index] as Origin;
  const [head, ...rest] = error.field.split(".");
  const source = origin.sources[head as string] ?? head;
  return `${fieldName(origin.place, [source, ...rest].join("."))} ${error.message}`;
}

/** `POST /v1/batch` (routeType undefined) or `/v1/{type}`: Segment's answers, §2's exactly-once ingestion. */
export async function segmentRoute(
  store: Store,
  request: HttpRequest,
  routeType: SegmentType | undefined,
  now = Date.now(),
): Promise<HttpResponse> {
  const body = parseBody(request.body);
  const environmentId = await authorize(store, request, body);
  const messages = mapMessages(messagesOf(body, routeType), routeType, body.sentAt, now);
  const events = messages.flatMap((message) => ("events" in message ? message.events : []));
  // As Segment's API does, a batch keeps its good messages when some are bad (its libraries drop a batch answered
  // 400: the good ones would be lost); a request with no good message is refused, naming what is wrong.
  if (events.length === 0 && messages.some((message) => "errors" in message)) {
    const errors = messages.flatMap((message) => ("errors" in message ? message.errors : []));
    const more = errors.length - MAX_ERRORS_TOLD;
    throw segmentError(400, `${errors.slice(0, MAX_ERRORS_TOLD).join("; ")}${more > 0 ? `; and ${more} more` : ""}`);
  }
  for (let start = 0; start < events.length; start += MAX_EVENTS_PER_BATCH) {
    await ingestValidEvents(store, environmentId, events.slice(start, start + MAX_EVENTS_PER_BATCH), now);
  }
  return json(200, { success: true });
}
