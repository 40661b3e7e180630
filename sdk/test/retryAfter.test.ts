import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  EngagementInsights,
  EngagementInsightsReader,
  type IngestionError,
  parseRetryAfter,
  RetryableApiError,
  TooManyRequestsError,
} from "../src/index.js";

/**
 * Retry-After: parsed in both forms, honoured by the ingestion client's retries (never sooner, however small its own
 * backoff), and exposed on the reader's 429 and 503 errors. A tiny HTTP server plays the service so each answer's
 * headers and each request's arrival time are known exactly.
 */

type Answer = { status: number; headers?: Record<string, string>; body: unknown };

/** Answers the n-th request with answers[n] (the last one from then on); records when each request arrived. */
async function scriptedServer(answers: ((arrivedAt: number) => Answer)[]) {
  const arrivals: number[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      const arrivedAt = Date.now();
      arrivals.push(arrivedAt);
      const answer = (answers[arrivals.length - 1] ?? (answers.at(-1) as (t: number) => Answer))(arrivedAt);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const accepted = (n: number): Answer => ({ status: 200, body: { accepted: n, duplicates: 0 } });

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0);
  it("reads delay-seconds and HTTP-dates as seconds from now", () => {
    expect(parseRetryAfter("1", now)).toBe(1);
    expect(parseRetryAfter(" 120 ", now)).toBe(120);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(new Date(now + 5_000).toUTCString(), now)).toBe(5);
    expect(parseRetryAfter("Fri, 04 Dec 2026 12:00:30 GMT", now)).toBe(30);
    // A date already past: retry now.
    expect(parseRetryAfter("Fri, 04 Dec 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("is undefined for anything else, so the client's own backoff applies", () => {
    for (const value of [null, undefined, "", "-1", "1.5", "soon", "Not a date, 99 Foo"]) {
      expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
    }
  });
});

describe("ingestion client and Retry-After", () => {
  it("waits at least Retry-After (seconds, then an HTTP-date) before retrying a 429 and a 503", async () => {
    let retryAt = 0;
    const service = await scriptedServer([
      () => ({ status: 429, headers: { "retry-after": "1" }, body: { error: "too_many_requests" } }),
      (arrivedAt) => {
        // HTTP-dates have whole seconds: the client may not come back before the second named.
        const date = new Date(arrivedAt + 2_000).toUTCString();
        retryAt = Date.parse(date);
        return { status: 503, headers: { "retry-after": date }, body: { error: "unavailable" } };
      },
      () => accepted(1),
    ]);
    const errors: IngestionError[] = [];
    // Its own backoff alone would retry within 5 ms.
    const client = new EngagementInsights({
      apiUrl: service.url,
      apiKey: "k",
      retryBaseDelay: 1,
      retryMaxDelay: 5,
      onError: (e) => errors.push(e),
    });
    client.userActive({ user_id: "ann" });
    expect(await client.closeAndFlush()).toEqual({ accepted: 1, duplicates: 0, failed: 0 });
    expect(errors).toEqual([]);
    const [first, second, third] = service.arrivals as [number, number, number];
    expect(service.arrivals).toHaveLength(3);
    expect(second - first).toBeGreaterThanOrEqual(1_000);
    expect(third).toBeGreaterThanOrEqual(retryAt);
    expect(retryAt).toBeGreaterThan(second);
  });

  it("without Retry-After, retries on its own backoff", async () => {
    const service = await scriptedServer([() => ({ status: 503, body: { error: "x" } }), () => accepted(1)]);
    const client = new EngagementInsights({ apiUrl: service.url, apiKey: "k", retryBaseDelay: 1, retryMaxDelay: 5 });
    client.userActive({ user_id: "ann" });
    expect(await client.closeAndFlush()).toEqual({ accepted: 1, duplicates: 0, failed: 0 });
    expect(service.arrivals).toHaveLength(2);
  });
});

describe("reader errors carry Retry-After", () => {
  it("a 429 is a TooManyRequestsError with retryAfter in seconds; a 503's is on its RetryableApiError", async () => {
    const service = await scriptedServer([
      () => ({ status: 429, headers: { "retry-after": "7" }, body: { error: "too_many_requests" } }),
      (arrivedAt) => ({
        status: 503,
        headers: { "retry-after": new Date(arrivedAt + 60_000).toUTCString() },
        body: { error: "unavailable" },
      }),
      () => ({ status: 429, body: { error: "too_many_requests" } }),
    ]);
    // No retries: each answer reaches the caller as its typed error (readRetries.test.ts covers the retries).
    const reader = new EngagementInsightsReader({ apiUrl: service.url, apiKey: "k", maxRetries: 0 });
    const limited = await reader.fetchChartMetricData("signups").catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(TooManyRequestsError);
    expect((limited as TooManyRequestsError).retryAfter).toBe(7);
    expect((limited as TooManyRequestsError).status).toBe(429);
    const unavailable = await reader.fetchChartMetricData("signups").catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(RetryableApiError);
    expect(unavailable).not.toBeInstanceOf(TooManyRequestsError);
    const seconds = (unavailable as RetryableApiError).retryAfter as number;
    expect(seconds).toBeGreaterThan(58);
    expect(seconds).toBeLessThanOrEqual(60);
    const bare = await reader.fetchChartMetricData("signups").catch((e: unknown) => e);
    expect((bare as TooManyRequestsError).retryAfter).toBeUndefined();
  });
});
