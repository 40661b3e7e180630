import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EngagementInsightsReader, type FetchLike, NetworkError, type ReadOptions } from "../src/index.js";

/**
 * The reader sends a read again while the server answers 429 or 503 (after its Retry-After) or the connection fails
 * before any answer, up to `maxRetries` times (sdk/src/retry.ts); any other answer, a timeout and the caller's abort
 * end it at once. A scripted fetch plays the server; fake timers stand for the waits, so the test reads what the
 * reader waited.
 */

type Step = number | "reset";

/** A fetch answering `steps` in turn (a status with Retry-After 2 s, or a failed connection), then 200. */
function scripted(steps: Step[]) {
  const sentAt: number[] = [];
  const fetch: FetchLike = async () => {
    sentAt.push(Date.now());
    const step = steps[sentAt.length - 1];
    if (step === "reset") throw new TypeError("fetch failed: connection reset");
    if (step === undefined) return new Response(JSON.stringify({ data: { activeUsers: 7 } }), { status: 200 });
    return new Response(JSON.stringify({ error: step === 429 ? "too_many_requests" : "retry" }), {
      status: step,
      headers: { "retry-after": "2" },
    });
  };
  return { fetch, sentAt, sent: () => sentAt.length };
}

function readerOf(fetch: FetchLike, options: Partial<ReadOptions> = {}) {
  return new EngagementInsightsReader({
    apiUrl: "http://api.test",
    apiKey: "key",
    environmentId: "env",
    retryBaseDelay: 100,
    fetch,
    ...options,
  });
}

/** The read's outcome, letting fake time run until it settles. */
async function settle<T>(read: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = read.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("reader retries", () => {
  it("a read answered 503, 429 and a reset connection is sent again, after each Retry-After, until it answers", async () => {
    const server = scripted([503, 429, "reset"]);
    const { value } = await settle(readerOf(server.fetch).activeUsersCount({ days: 7 }));
    expect(value).toBe(7);
    expect(server.sent()).toBe(4);
    const waits = server.sentAt.slice(1).map((t, i) => t - (server.sentAt[i] ?? 0));
    // Retry-After 2 s plus up to the backoff's jitter (100 ms doubling); a reset connection waits the backoff only.
    expect(waits[0]).toBeGreaterThanOrEqual(2000);
    expect(waits[0]).toBeLessThanOrEqual(2100);
    expect(waits[1]).toBeGreaterThanOrEqual(2000);
    expect(waits[1]).toBeLessThanOrEqual(2200);
    expect(waits[2]).toBeLessThanOrEqual(400);
  });

  it("gives up after maxRetries (default 3) with the last answer's typed error", async () => {
    const server = scripted([503, 503, 503, 503, 503]);
    const { error } = await settle(readerOf(server.fetch).activeUsersCount());
    expect(error).toMatchObject({ status: 503, retryAfter: 2 });
    expect(server.sent()).toBe(4);
    const more = scripted([503, 503, 503, 503, 503, 503, 503]);
    expect((await settle(readerOf(more.fetch, { maxRetries: 7 }).activeUsersCount())).value).toBe(7);
    expect(more.sent()).toBe(8);
    const once = scripted([503]);
    expect((await settle(readerOf(once.fetch, { maxRetries: 0 }).activeUsersCount())).error).toMatchObject({
      status: 503,
    });
    expect(once.sent()).toBe(1);
  });

  it("never sends again after another status or a timeout", async () => {
    for (const status of [500, 502, 400, 404]) {
      const server = scripted([status]);
      const { error } = await settle(readerOf(server.fetch).activeUsersCount());
      expect(error, String(status)).toMatchObject({ status });
      expect(server.sent(), String(status)).toBe(1);
    }
    let sent = 0;
    const silent: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) => {
        sent++;
        init.signal?.addEventListener("abort", () => reject(new Error("aborted")));
      });
    const { error } = await settle(readerOf(silent, { timeout: 1000 }).activeUsersCount());
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).timedOut).toBe(true);
    expect(sent).toBe(1);
  });

  it("stops waiting, and sends nothing more, when its signal aborts", async () => {
    const server = scripted([503, 503]);
    const controller = new AbortController();
    const read = readerOf(server.fetch, { signal: controller.signal }).activeUsersCount();
    const outcome = read.then(
      () => "answered",
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    expect(await outcome).toMatchObject({ status: 503 });
    expect([server.sent(), Date.now()]).toEqual([1, 500]);
  });

  it("retries a CSV download until its status is known, then streams it once", async () => {
    let sent = 0;
    const fetch: FetchLike = async () =>
      ++sent === 1
        ? new Response('{"error":"retry"}', { status: 503, headers: { "retry-after": "1" } })
        : new Response("user_id\nu1\n", { status: 200, headers: { "x-total-count": "1", "x-report-time": "5" } });
    const { value } = await settle(readerOf(fetch).downloadReportCsv("user_report/churn", "7"));
    expect([sent, value?.totalCount, await value?.text()]).toEqual([2, 1, "user_id\nu1\n"]);
  });
});
