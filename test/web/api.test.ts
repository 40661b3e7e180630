import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { apiError, NetworkError } from "../../sdk/src/errors.js";
import type { FetchLike } from "../../sdk/src/index.js";
import { BUSY_ATTEMPTS, readerFor, toApiError } from "../../web/src/api.js";

/**
 * The dashboard turns the SDK's typed errors (made by the SDK from each route family's error body, CONTRACT §4–§6)
 * into one message a person can act on.
 */
const message = (status: number, body: unknown, credential: "key" | "token") =>
  toApiError(apiError(status, body, undefined), credential).message;

describe("dashboard API errors", () => {
  it("names a wrong or revoked API key and a wrong dashboard token apart", () => {
    expect(message(401, { error: "unauthorized" }, "key")).toBe("This API key is wrong or has been revoked.");
    expect(message(401, { status: "error", message: "You must be logged in to do this." }, "token")).toBe(
      "This user id and token are wrong or the token has been revoked.",
    );
  });

  it("says which permission is missing, or the users family's own reason", () => {
    expect(message(403, { error: "forbidden" }, "key")).toBe("This API key lacks the read permission.");
    expect(message(403, { status: "error", message: "environment-id does not match the API key" }, "key")).toBe(
      "Not allowed: environment-id does not match the API key.",
    );
    expect(message(403, { success: false, error: "User does not have the permissions" }, "token")).toBe(
      "This user token lacks the view-engagement-dashboard permission.",
    );
  });

  it("passes a 400's explanation on, whichever field holds it", () => {
    expect(
      message(400, { error: "invalid_request", message: "report_interval must be one of 30, 60, 90" }, "key"),
    ).toBe("The request was refused: report_interval must be one of 30, 60, 90");
    expect(
      message(400, { success: false, error: "Match error: Failed Match.Where validation in field start" }, "token"),
    ).toBe("The request was refused: Match error: Failed Match.Where validation in field start");
    expect(message(400, "<html>", "key")).toBe("The request was refused.");
  });

  it("answers not found, busy and failures without internals, keeping the status", () => {
    expect(message(404, familyErrors.insights.notFound, "key")).toBe("Not found.");
    expect(message(503, { error: "retry" }, "key")).toBe("The service is busy. Try again in a moment.");
    const failed = toApiError(apiError(500, "<html>", undefined), "key");
    expect([failed.status, failed.message]).toEqual([500, "The service failed (HTTP 500). Try again later."]);
  });

  it("says the API could not be reached when no answer came", () => {
    const unreachable = toApiError(new NetworkError("request failed: fetch failed", false), "key");
    expect([unreachable.status, unreachable.message]).toEqual([
      0,
      "The API could not be reached. Check the connection and try again.",
    ]);
  });
});

describe("dashboard reads answered 503", () => {
  /** A fetch answering 503 (Retry-After 2 s) `failures` times, then a count; the times it was sent. */
  const scripted = (failures: number) => {
    const sentAt: number[] = [];
    const fetch: FetchLike = async () => {
      sentAt.push(Date.now());
      return sentAt.length <= failures
        ? new Response('{"error":"retry"}', { status: 503, headers: { "retry-after": "2" } })
        : new Response('{"data":{"activeUsers":3}}', { status: 200 });
    };
    return { fetch, sentAt };
  };
  const count = (fetch: FetchLike, signal?: AbortSignal) =>
    readerFor({ apiKey: "k", environmentId: "e" }, signal, fetch).activeUsersCount({ days: 1 });

  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    vi.stubGlobal("location", { origin: "http://dashboard.test" });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("are sent again after the server's Retry-After, up to BUSY_ATTEMPTS times", async () => {
    const busy = scripted(BUSY_ATTEMPTS - 1);
    const answered = count(busy.fetch);
    await vi.runAllTimersAsync();
    expect(await answered).toBe(3);
    expect(busy.sentAt.length).toBe(BUSY_ATTEMPTS);
    const waits = busy.sentAt.slice(1).map((t, i) => t - (busy.sentAt[i] ?? 0));
    expect(waits.every((ms) => ms >= 2000)).toBe(true);

    const tooBusy = scripted(BUSY_ATTEMPTS);
    const failed = count(tooBusy.fetch).catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    expect(await failed).toMatchObject({ status: 503 });
    expect(tooBusy.sentAt.length).toBe(BUSY_ATTEMPTS);
  });

  it("stop when the view cancels them", async () => {
    const busy = scripted(2);
    const controller = new AbortController();
    const failed = count(busy.fetch, controller.signal).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    expect(await failed).toMatchObject({ status: 503 });
    expect(busy.sentAt.length).toBe(1);
  });
});
