import { EngagementInsightsError, InvalidRequestError } from "./errors.js";
import { type FetchLike, request, type Transport } from "./http.js";
import { ingestionRetryable, type RetryPolicy, withRetries } from "./retry.js";
import type { EventError, EventFields, EventType, IngestEvent, IngestResult } from "./types.js";
import { uuidv7 } from "./uuidv7.js";

/**
 * The batching ingestion client (CONTRACT §2), after Segment's analytics-node: events are queued in memory and sent
 * in batches, one batch in flight at a time so the server sees them in the order they were queued.
 *
 * | what | rule |
 * |---|---|
 * | a batch leaves | at `flushAt` queued events, every `flushInterval` ms, on `flush()` / `closeAndFlush()` |
 * | batch size | at most 1,000 events and 1 MiB of JSON (the API's limits); a larger queue goes as several batches |
 * | idempotency | every event without an `event_id` gets a UUID v7 when queued, so a retried batch counts once |
 * | retries | 429, 5xx, network errors and timeouts: up to `maxRetries` more tries, full-jitter backoff |
 * | Retry-After | on a 429 or 503 that sends it, the retry waits at least that long, plus the backoff's jitter |
 * | never retried | other 4xx (the batch is refused whole: retrying cannot change that) |
 * | bounded | `maxQueueSize` queued events; an event beyond it is reported, not queued |
 * | reported | via `onError`, with the events: queue overflow, an invalid or too large event, a finally failed batch,
 * |  | what `closeAndFlush` could not send within its (optional) timeout. Nothing is dropped silently. |
 * | counted | `totals`: events accepted, duplicates (already stored: a retry's), failed (reported); closeAndFlush
 * |  | resolves with them once everything queued is delivered or reported |
 * | never throws | the event methods return the event_id and report a bad event; flush/closeAndFlush never reject |
 */

export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 1024 * 1024;
const EVENTS_PATH = "/api/backend/v1/events";

export interface IngestionOptions {
  /** The service's base URL, e.g. `https://api.example.com/prod`. */
  apiUrl: string;
  /** An API key with the `ingest` permission. */
  apiKey: string;
  /** Queued events that trigger a flush (default 15, at most 1,000). */
  flushAt?: number;
  /** Milliseconds after which queued events are sent anyway (default 10,000). */
  flushInterval?: number;
  /**
   * Further tries of a batch after a retryable failure (default 10: with backoff capped at `retryMaxDelay` and each
   * Retry-After honoured, about a minute of trying, enough for several clients sharing a tenant's 1 request/s).
   */
  maxRetries?: number;
  /** Events the queue holds at most (default 10,000); more are reported through onError. */
  maxQueueSize?: number;
  /** Milliseconds one request may take (default 10,000). */
  timeout?: number;
  /** Backoff: the first retry waits up to `retryBaseDelay` ms, doubling per retry, at most `retryMaxDelay`. */
  retryBaseDelay?: number;
  retryMaxDelay?: number;
  /** Where every event that could not be delivered is reported (default: console.error). */
  onError?: (error: IngestionError) => void;
  /** A fetch to use instead of the global one (proxies, tests). */
  fetch?: FetchLike;
}

export type IngestionFailure =
  | "queue_overflow"
  | "invalid_event"
  | "event_too_large"
  | "batch_failed"
  | "closed"
  | "close_timeout";

/** Events of this client so far: stored by the server (accepted), already stored (duplicates), reported (failed). */
export interface IngestionTotals {
  accepted: number;
  duplicates: number;
  failed: number;
}

/** Events that were not (or not surely) delivered, and why. Re-sending them is safe: their event ids are set. */
export class IngestionError extends EngagementInsightsError {
  override name = "IngestionError";
  constructor(
    message: string,
    readonly reason: IngestionFailure,
    readonly events: IngestEvent[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** The server's per-event errors when the batch was refused as invalid (400 invalid_events). */
  get eventErrors(): EventError[] {
    const cause = this.cause;
    if (cause instanceof InvalidRequestError) {
      const errors = (cause.body as { event_errors?: EventError[] } | undefined)?.event_errors;
      if (Array.isArray(errors)) return errors;
    }
    return [];
  }
}

interface Queued {
  event: IngestEvent;
  json: string;
  bytes: number;
}

const encoder = new TextEncoder();
/** `{"events":[` + `]}` */
const ENVELOPE_BYTES = 13;

export class EngagementInsights {
  private readonly transport: Transport;
  private readonly headers: Record<string, string>;
  private readonly flushAt: number;
  private readonly flushInterval: number;
  private readonly retries: RetryPolicy;
  private readonly maxQueueSize: number;
  private readonly onError: (error: IngestionError) => void;
  private queue: Queued[] = [];
  /** The batch being sent, reported if close gives up on it. */
  private inFlight: Queued[] = [];
  private sending: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly shutdown = new AbortController();
  private readonly counts: IngestionTotals = { accepted: 0, duplicates: 0, failed: 0 };

  constructor(options: IngestionOptions) {
    const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.transport = { apiUrl: options.apiUrl, fetch: fetchImpl, timeout: options.timeout ?? 10_000 };
    this.headers = { authorization: `Bearer ${options.apiKey}` };
    this.flushAt = Math.min(MAX_BATCH_EVENTS, Math.max(1, options.flushAt ?? 15));
    this.flushInterval = options.flushInterval ?? 10_000;
    this.retries = {
      maxRetries: Math.max(0, options.maxRetries ?? 10),
      baseDelay: options.retryBaseDelay ?? 500,
      maxDelay: options.retryMaxDelay ?? 10_000,
      retryable: ingestionRetryable,
    };
    this.maxQueueSize = Math.max(1, options.maxQueueSize ?? 10_000);
    this.onError =
      options.onError ??
      ((error) =>
        console.error(`engagement-insights: ${error.events.length} event(s) not delivered: ${error.message}`));
  }

  // ---- one method per event type (CONTRACT §2); each returns the event's event_id --------------------------------

  userCreated(fields: EventFields<"user.created">): string {
    return this.enqueue("user.created", fields);
  }
  userUpdated(fields: EventFields<"user.updated">): string {
    return this.enqueue("user.updated", fields);
  }
  userDeleted(fields: EventFields<"user.deleted">): string {
    return this.enqueue("user.deleted", fields);
  }
  /** Erases the user's personal data everywhere it is stored; later events about the user change nothing. */
  userErased(fields: EventFields<"user.erased">): string {
    return this.enqueue("user.erased", fields);
  }
  userActive(fields: EventFields<"user.active">): string {
    return this.enqueue("user.active", fields);
  }
  userInvited(fields: EventFields<"user.invited">): string {
    return this.enqueue("user.invited", fields);
  }
  orgCreated(fields: EventFields<"org.created">): string {
    return this.enqueue("org.created", fields);
  }
  orgUpdated(fields: EventFields<"org.updated">): string {
    return this.enqueue("org.updated", fields);
  }
  orgMemberAdded(fields: EventFields<"org.member_added">): string {
    return this.enqueue("org.member_added", fields);
  }
  orgMemberRemoved(fields: EventFields<"org.member_removed">): string {
    return this.enqueue("org.member_removed", fields);
  }

  /** Queues any event (e.g. read from a file); returns its event_id. */
  track(event: IngestEvent | (EventFields<EventType> & { type: EventType })): string {
    const { type, ...fields } = (event ?? {}) as IngestEvent;
    return this.enqueue(type, fields as EventFields<EventType>);
  }

  /** Events queued and not yet sent. */
  get queued(): number {
    return this.queue.length;
  }

  /** Running totals of this client's events (a copy): accepted and duplicates as the server counted them, failed as reported. */
  get totals(): IngestionTotals {
    return { ...this.counts };
  }

  /**
   * Sends everything queued now; resolves, with the running totals, when every batch has been delivered or reported
   * through onError.
   */
  async flush(): Promise<IngestionTotals> {
    this.clearTimer();
    while ((this.queue.length > 0 || this.sending) && !this.shutdown.signal.aborted) {
      this.sending ??= this.sendAll().finally(() => {
        this.sending = undefined;
      });
      await this.sending;
    }
    return this.totals;
  }

  /**
   * Stops taking events and sends everything queued, however long the retries take (each batch is delivered or
   * reported after `maxRetries`); resolves with the client's totals. With `timeout` (ms) it gives up at that time
   * instead: the request in flight is aborted and every event not confirmed is reported ("close_timeout") and
   * counted as failed, though the server may have stored the batch in flight (resending it is safe).
   */
  async closeAndFlush({ timeout }: { timeout?: number } = {}): Promise<IngestionTotals> {
    this.closed = true;
    if (timeout === undefined) return this.flush();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeout);
      }),
    ]);
    clearTimeout(timer);
    if (!gaveUp) return this.totals;
    this.shutdown.abort();
    const unsent = [...this.inFlight, ...this.queue];
    this.queue = [];
    this.inFlight = [];
    await this.sending?.catch(() => {});
    if (unsent.length > 0) {
      this.report(
        "close_timeout",
        `not confirmed within the ${timeout} ms of closeAndFlush`,
        unsent.map((item) => item.event),
      );
    }
    return this.totals;
  }

  /**
   * Queues an event and returns its event_id; never throws. What cannot be queued as JSON (no fields, an invalid
   * Date, a BigInt, a cycle) is reported as "invalid_event"; what the server refuses comes back as a failed batch.
   */
  private enqueue<T extends EventType>(type: T, fields: EventFields<T>): string {
    const { occurred_at, ...rest } = (fields ?? {}) as EventFields<EventType>;
    const event_id = (rest as { event_id?: string }).event_id ?? uuidv7();
    const event = { type, ...rest, event_id } as IngestEvent;
    let json: string;
    try {
      if (occurred_at !== undefined) {
        event.occurred_at = occurred_at instanceof Date ? occurred_at.toISOString() : occurred_at;
      }
      json = JSON.stringify(event);
    } catch (error) {
      this.report("invalid_event", `the event cannot be sent as JSON: ${(error as Error).message}`, [event], error);
      return event_id;
    }
    if (this.closed) {
      this.report("closed", "the client is closed", [event]);
      return event_id;
    }
    const bytes = encoder.encode(json).length;
    if (bytes + ENVELOPE_BYTES > MAX_BATCH_BYTES) {
      this.report("event_too_large", `the event alone is ${bytes} bytes, over the 1 MiB request limit`, [event]);
      return event_id;
    }
    if (this.queue.length >= this.maxQueueSize) {
      this.report("queue_overflow", `the queue holds ${this.maxQueueSize} events already (maxQueueSize)`, [event]);
      return event_id;
    }
    this.queue.push({ event, json, bytes });
    if (this.queue.length >= this.flushAt) void this.flush();
    else this.timer ??= this.startTimer();
    return event_id;
  }

  private startTimer() {
    const timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushInterval);
    // A pending flush must not keep a Node process alive on its own (closeAndFlush sends what is left).
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  private clearTimer() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends batches until the queue is empty, one at a time (the server applies events in the order received). */
  private async sendAll(): Promise<void> {
    while (this.queue.length > 0 && !this.shutdown.signal.aborted) {
      const batch = this.takeBatch();
      this.inFlight = batch;
      try {
        const result = await this.sendBatch(batch);
        this.counts.accepted += result.accepted;
        this.counts.duplicates += result.duplicates;
      } catch (error) {
        if (!this.shutdown.signal.aborted) {
          this.report(
            "batch_failed",
            (error as Error).message,
            batch.map((item) => item.event),
            error,
          );
        }
      } finally {
        if (!this.shutdown.signal.aborted) this.inFlight = [];
      }
    }
  }

  /** The longest head of the queue within 1,000 events and 1 MiB. */
  private takeBatch(): Queued[] {
    let bytes = ENVELOPE_BYTES;
    let count = 0;
    for (const item of this.queue) {
      const added = item.bytes + (count > 0 ? 1 : 0);
      if (count >= MAX_BATCH_EVENTS || bytes + added > MAX_BATCH_BYTES) break;
      bytes += added;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private sendBatch(batch: Queued[]): Promise<IngestResult> {
    const body = `{"events":[${batch.map((item) => item.json).join(",")}]}`;
    const signal = this.shutdown.signal;
    return withRetries(
      () => request<IngestResult>(this.transport, EVENTS_PATH, { method: "POST", headers: this.headers, body, signal }),
      this.retries,
      signal,
    );
  }

  private report(reason: IngestionFailure, message: string, events: IngestEvent[], cause?: unknown) {
    this.counts.failed += events.length;
    try {
      this.onError(new IngestionError(message, reason, events, { cause }));
    } catch {
      // A failing handler must not break the queue.
    }
  }
}
