import { describe, expect, it } from "vitest";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { apiError, NetworkError } from "../../sdk/src/errors.js";
import { BUSY_ATTEMPTS, retryWhileBusy, toApiError } from "../../web/src/api.js";

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
  /** A call failing with `failures` first (a status each, Retry-After 2 s), then answering "ok"; the waits asked. */
  const scripted = (failures: number[]) => {
    const waits: number[] = [];
    let calls = 0;
    const run = async () => {
      const status = failures[calls++];
      if (status !== undefined) throw apiError(status, { error: "retry" }, undefined, 2);
      return "ok";
    };
    const wait = async (ms: number) => {
      waits.push(ms);
    };
    return { run, wait, waits, calls: () => calls };
  };

  it("are sent again after the server's Retry-After until they answer", async () => {
    const s = scripted([503, 503, 503]);
    expect(await retryWhileBusy(s.run, undefined, s.wait)).toBe("ok");
    expect([s.calls(), s.waits]).toEqual([4, [2000, 2000, 2000]]);
  });

  it("give up after BUSY_ATTEMPTS, and never retry another status", async () => {
    const busy = scripted(Array(BUSY_ATTEMPTS).fill(503));
    await expect(retryWhileBusy(busy.run, undefined, busy.wait)).rejects.toMatchObject({ status: 503 });
    expect(busy.calls()).toBe(BUSY_ATTEMPTS);
    const failed = scripted([500]);
    await expect(retryWhileBusy(failed.run, undefined, failed.wait)).rejects.toMatchObject({ status: 500 });
    expect(failed.calls()).toBe(1);
  });

  it("stop when the view cancels them", async () => {
    const s = scripted([503, 503]);
    const controller = new AbortController();
    controller.abort();
    await expect(retryWhileBusy(s.run, controller.signal, s.wait)).rejects.toMatchObject({ status: 503 });
    expect(s.calls()).toBe(1);
  });
});
