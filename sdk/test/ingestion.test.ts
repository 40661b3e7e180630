import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  EngagementInsights,
  type FetchLike,
  type IngestionError,
  InvalidRequestError,
  MAX_BATCH_BYTES,
  RetryableApiError,
  UnauthorizedError,
  uuidv7,
} from "../src/index.js";
import { conformingFetch, type LocalService, startLocalService } from "./localService.js";

/** The ingestion client's queue, batches, retries and reports; against the local server where it talks to one. */

const userIdOf = (event: object) => (event as { user_id?: string }).user_id;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Sent = { events: Record<string, unknown>[]; bytes: number };

/** Records each request body, then answers with `answer` (the local server's fetch by default). */
function recording(answer: FetchLike = conformingFetch) {
  const sent: Sent[] = [];
  const fetch: FetchLike = (input, init) => {
    const body = String(init.body);
    sent.push({ events: JSON.parse(body).events, bytes: new TextEncoder().encode(body).length });
    return answer(input, init);
  };
  return { sent, fetch };
}

const accepting: FetchLike = async (_input, init) =>
  new Response(JSON.stringify({ accepted: JSON.parse(String(init.body)).events.length, duplicates: 0 }), {
    status: 200,
  });

const until = async (condition: () => boolean, ms = 5_000) => {
  for (const start = Date.now(); !condition(); ) {
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

let service: LocalService;
beforeAll(async () => {
  service = await startLocalService();
});
afterAll(async () => {
  await service?.close();
});

const client = (options: Partial<ConstructorParameters<typeof EngagementInsights>[0]> & { onError?: never } = {}) => {
  const errors: IngestionError[] = [];
  const instance = new EngagementInsights({
    apiUrl: service.url,
    apiKey: service.apiKey,
    retryBaseDelay: 1,
    retryMaxDelay: 5,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { client: instance, errors };
};

describe("ingestion client", () => {
  it("sends at flushAt without being asked, every event with a UUID v7 event_id unless it has one", async () => {
    const record = recording();
    const { client: c, errors } = client({ flushAt: 3, fetch: record.fetch });
    const ids = [
      c.userCreated({ user_id: "ann", email: "ann@example.com", signup_query_parameters: { utm_source: "ad" } }),
      c.orgCreated({ org_id: "acme", name: "Acme", event_id: "org-acme" }),
      c.orgMemberAdded({ org_id: "acme", user_id: "ann", role: "Admin" }),
    ];
    await until(() => record.sent.length === 1);
    await c.closeAndFlush();
    expect(errors).toEqual([]);
    expect(ids[0]).toMatch(UUID_V7);
    expect(ids[1]).toBe("org-acme");
    expect(record.sent[0]?.events.map((e) => [e.type, e.event_id])).toEqual([
      ["user.created", ids[0]],
      ["org.created", "org-acme"],
      ["org.member_added", ids[2]],
    ]);
  });

  it("sends after flushInterval", async () => {
    const record = recording();
    const { client: c } = client({ flushAt: 100, flushInterval: 50, fetch: record.fetch });
    c.userActive({ user_id: "ann" });
    await until(() => record.sent.length === 1);
    expect(c.queued).toBe(0);
    await c.closeAndFlush();
  });

  it("splits what is queued into batches of at most 1,000 events and 1 MiB", async () => {
    const record = recording(accepting);
    const { client: c, errors } = client({ flushAt: 1000, fetch: record.fetch });
    // 2,400 small events: 1,000 + 1,000 + 400, in order.
    for (let i = 0; i < 2400; i++) c.userActive({ user_id: `u${i}` });
    await c.flush();
    expect(record.sent.map((s) => s.events.length)).toEqual([1000, 1000, 400]);
    expect(record.sent.flatMap((s) => s.events.map((e) => e.user_id))).toEqual(
      Array.from({ length: 2400 }, (_, i) => `u${i}`),
    );
    // 40 events of ~30 KB: over 1 MiB together, so two batches, each within it.
    record.sent.length = 0;
    for (let i = 0; i < 40; i++) c.userUpdated({ user_id: `u${i}`, profile: { bio: "x".repeat(30_000) } });
    await c.flush();
    expect(record.sent.length).toBe(2);
    expect(record.sent.map((s) => s.events.length).reduce((a, b) => a + b)).toBe(40);
    for (const s of record.sent) expect(s.bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(record.sent[0]?.bytes).toBeGreaterThan(MAX_BATCH_BYTES - 31_000);
    await c.closeAndFlush();
    expect(errors).toEqual([]);
  });

  it("never retries a 4xx: the refused batch is reported with its events and the server's event errors", async () => {
    const record = recording();
    const { client: c, errors } = client({ fetch: record.fetch, maxRetries: 5 });
    c.userActive({ user_id: "ok" });
    c.userActive({ user_id: "" });
    await c.flush();
    expect(record.sent).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.reason).toBe("batch_failed");
    expect(errors[0]?.cause).toBeInstanceOf(InvalidRequestError);
    expect(errors[0]?.events.map(userIdOf)).toEqual(["ok", ""]);
    expect(errors[0]?.eventErrors).toEqual([{ index: 1, field: "user_id", message: expect.any(String) }]);

    const wrongKey = recording();
    const other = client({ fetch: wrongKey.fetch, apiKey: "not-a-key" });
    other.client.userActive({ user_id: "ann" });
    await other.client.flush();
    expect(wrongKey.sent).toHaveLength(1);
    expect(other.errors[0]?.cause).toBeInstanceOf(UnauthorizedError);
  });

  it("gives up after maxRetries retryable failures and reports the batch", async () => {
    const record = recording(async () => new Response(JSON.stringify({ error: "retry" }), { status: 503 }));
    const { client: c, errors } = client({ fetch: record.fetch, maxRetries: 2 });
    const id = c.userActive({ user_id: "ann" });
    await c.flush();
    expect(record.sent).toHaveLength(3);
    expect(record.sent.every((s) => s.events[0]?.event_id === id)).toBe(true);
    expect(errors.map((e) => [e.reason, e.events.length])).toEqual([["batch_failed", 1]]);
    expect(errors[0]?.cause).toBeInstanceOf(RetryableApiError);
  });

  it("reports events beyond maxQueueSize, and events after close", async () => {
    const { client: c, errors } = client({ fetch: accepting, maxQueueSize: 2, flushAt: 100 });
    c.userActive({ user_id: "a" });
    c.userActive({ user_id: "b" });
    c.userActive({ user_id: "c" });
    expect(errors.map((e) => [e.reason, e.events.map(userIdOf)])).toEqual([["queue_overflow", ["c"]]]);
    await c.closeAndFlush();
    c.userActive({ user_id: "d" });
    expect(errors.map((e) => e.reason)).toEqual(["queue_overflow", "closed"]);
  });

  it("closeAndFlush gives up after its timeout and reports what it could not confirm", async () => {
    const never: FetchLike = (_input, init) =>
      new Promise((_, reject) => init.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
    const { client: c, errors } = client({ fetch: never, timeout: 60_000, flushAt: 2 });
    c.userActive({ user_id: "a" });
    c.userActive({ user_id: "b" });
    c.userActive({ user_id: "c" });
    const started = Date.now();
    await c.closeAndFlush({ timeout: 100 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors.map((e) => e.reason)).toEqual(["close_timeout"]);
    expect(errors[0]?.events.map(userIdOf)).toEqual(["a", "b", "c"]);
  });

  it("closeAndFlush waits for everything queued however long it takes, unless given a timeout", async () => {
    // Answers held until released: closing must not give up on its own while they are pending.
    const pending: (() => void)[] = [];
    const held: FetchLike = (input, init) =>
      new Promise((resolve) => pending.push(() => resolve(accepting(input, init))));
    const { client: c, errors } = client({ fetch: held, timeout: 3_600_000, flushAt: 1000 });
    for (let i = 0; i < 2500; i++) c.userActive({ user_id: `u${i}` });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let closed: unknown;
      const closing = c.closeAndFlush().then((totals) => {
        closed = totals;
      });
      for (let batch = 0; batch < 3; batch++) {
        await vi.waitFor(() => expect(pending).toHaveLength(1));
        // An hour passes with the batch in flight: nothing is given up.
        await vi.advanceTimersByTimeAsync(3_500_000);
        expect(closed).toBeUndefined();
        expect(errors).toEqual([]);
        pending.shift()?.();
      }
      await closing;
      expect(closed).toEqual({ accepted: 2500, duplicates: 0, failed: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("closeAndFlush resolves with the accepted, duplicate and failed totals; totals are kept as it runs", async () => {
    const { client: c, errors } = client({ flushAt: 100 });
    expect(c.totals).toEqual({ accepted: 0, duplicates: 0, failed: 0 });
    c.userCreated({ user_id: "tot-1", email: "tot-1@example.com", event_id: "tot-created-1" });
    c.userActive({ user_id: "tot-1" });
    expect(await c.flush()).toEqual({ accepted: 2, duplicates: 0, failed: 0 });
    // The same event again (a resend after a crash): the server counts it as a duplicate, not a second event.
    c.userCreated({ user_id: "tot-1", email: "tot-1@example.com", event_id: "tot-created-1" });
    c.userActive({ user_id: "" });
    expect(c.totals).toEqual({ accepted: 2, duplicates: 0, failed: 0 });
    await c.flush();
    // One invalid event refuses its batch whole (400): both are reported.
    expect(c.totals).toEqual({ accepted: 2, duplicates: 0, failed: 2 });
    expect(errors.map((e) => e.reason)).toEqual(["batch_failed"]);
    c.userCreated({ user_id: "tot-1", email: "tot-1@example.com", event_id: "tot-created-1" });
    c.userActive({ user_id: "tot-1" });
    expect(await c.closeAndFlush()).toEqual({ accepted: 3, duplicates: 1, failed: 2 });
    c.userActive({ user_id: "after" });
    expect(c.totals).toEqual({ accepted: 3, duplicates: 1, failed: 3 });
  });

  it("UUID v7: version 7, RFC variant, ordered by time", () => {
    const earlier = uuidv7(Date.UTC(2026, 0, 1));
    const later = uuidv7(Date.UTC(2026, 0, 2));
    expect(earlier).toMatch(UUID_V7);
    expect(earlier < later).toBe(true);
    expect(earlier.replaceAll("-", "").slice(0, 12)).toBe(Date.UTC(2026, 0, 1).toString(16).padStart(12, "0"));
  });
});
