import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshEnvironment } from "../../lib/reports/refresh.js";
import {
  EngagementInsights,
  EngagementInsightsReader,
  type FetchLike,
  type IngestionError,
  TopInviterReportInterval,
} from "../src/index.js";
import { conformingFetch, type LocalService, startLocalService } from "./localService.js";

/**
 * The ingestion client under injected faults, against the real local server: answers dropped after the server
 * applied the batch, 503s before and after applying it, 429s, and answers that never come (client timeout).
 * Invites are the measure: each user.invited counts toward its inviter's num_invites, so a batch applied twice
 * without its event ids would show up in the top-inviter report.
 */

type Fault = "none" | "drop_after" | "503_before" | "503_after" | "429_before" | "hang_after";

/** A fetch that forwards to the server and then, per call, spoils the answer as `plan` says. */
function faultyFetch(plan: (call: number) => Fault) {
  const seen = { calls: 0, faults: 0, hung: 0, duplicatesReported: 0 };
  const wrapped: FetchLike = async (input, init) => {
    const fault = plan(seen.calls++);
    if (fault !== "none") seen.faults++;
    if (fault === "503_before") return new Response(JSON.stringify({ error: "retry" }), { status: 503 });
    if (fault === "429_before") return new Response(JSON.stringify({ error: "slow_down" }), { status: 429 });
    const response = await conformingFetch(input, init);
    const text = await response.text();
    if (response.ok) seen.duplicatesReported += (JSON.parse(text) as { duplicates: number }).duplicates;
    if (fault === "drop_after") throw new TypeError("fetch failed: connection reset after the server answered");
    if (fault === "503_after") return new Response(JSON.stringify({ error: "retry" }), { status: 503 });
    if (fault === "hang_after") {
      seen.hung++;
      // The server applied the batch; its answer never arrives, until the client's timeout aborts the request.
      await new Promise((_, reject) =>
        init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
      );
    }
    return new Response(text, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped, seen };
}

let service: LocalService;
beforeAll(async () => {
  service = await startLocalService();
});
afterAll(async () => {
  await service?.close();
});

const INVITERS = 6;
const INVITES_EACH = 20;

describe("ingestion client under faults", () => {
  it("counts every event exactly once, however the answers fail", async () => {
    // Faults on 4 calls in 6, in a fixed rotation, so every batch meets several kinds before it gets through; one
    // answer never comes (the client's timeout ends that try: slow, so only once).
    const rotation: Fault[] = ["drop_after", "503_after", "none", "503_before", "429_before", "none"];
    const faulty = faultyFetch((call) => (call === 4 ? "hang_after" : (rotation[call % rotation.length] as Fault)));
    const errors: IngestionError[] = [];
    const client = new EngagementInsights({
      apiUrl: service.url,
      apiKey: service.apiKey,
      fetch: faulty.fetch,
      flushAt: 50,
      maxRetries: 8,
      timeout: 3_000,
      retryBaseDelay: 20,
      retryMaxDelay: 400,
      onError: (error) => errors.push(error),
    });
    const at = new Date(Date.now() - 60_000);
    for (let u = 0; u < INVITERS; u++) client.userCreated({ user_id: `inviter-${u}`, occurred_at: at });
    for (let i = 0; i < INVITES_EACH; i++) {
      for (let u = 0; u < INVITERS; u++) {
        client.userInvited({ user_id: `inviter-${u}`, invitee_email: `guest-${u}-${i}@example.com`, occurred_at: at });
      }
      // Some flushes on the way, as a long-running sender would make, so that there are many batches.
      if (i % 4 === 3) await client.flush();
    }
    await client.closeAndFlush({ timeout: 60_000 });

    expect(errors).toEqual([]);
    expect(faulty.seen.faults).toBeGreaterThanOrEqual(5);
    expect(faulty.seen.hung).toBe(1);
    // Batches the server had applied came back as duplicates on their retry: the faults really replayed them.
    expect(faulty.seen.duplicatesReported).toBeGreaterThan(0);

    await refreshEnvironment(service.store, service.environmentId, Date.now());
    const reader = new EngagementInsightsReader({
      apiUrl: service.url,
      apiKey: service.apiKey,
      environmentId: service.environmentId,
      fetch: conformingFetch,
    });
    const report = await reader.fetchUserTopInviterReport(TopInviterReportInterval.THIRTY_DAYS, { pageSize: 100 });
    expect(report.totalCount).toBe(INVITERS);
    expect(report.userReports.map((row) => [row.userId, row.extraProperties?.numInvites])).toEqual(
      Array.from({ length: INVITERS }, (_, u) => `inviter-${u}`)
        .sort()
        .map((id) => [id, INVITES_EACH]),
    );
    expect(await reader.activeUsersCount()).toBe(INVITERS);
  });

  it("the same faults double-count a sender that retries without event ids (so the test above can fail)", async () => {
    const faulty = faultyFetch((call) => (call === 0 ? "503_after" : "none"));
    const body = JSON.stringify({
      events: [
        { type: "user.invited", user_id: "naive", invitee_email: "a@example.com", occurred_at: Date.now() / 1000 - 60 },
      ].map((e) => ({ ...e, occurred_at: Math.floor(e.occurred_at) })),
    });
    const init = {
      method: "POST",
      headers: { authorization: `Bearer ${service.apiKey}`, "content-type": "application/json" },
      body,
    };
    const first = await faulty.fetch(`${service.url}/api/backend/v1/events`, init);
    expect(first.status).toBe(503);
    const retry = await faulty.fetch(`${service.url}/api/backend/v1/events`, init);
    expect(retry.status).toBe(200);
    await refreshEnvironment(service.store, service.environmentId, Date.now());
    const reader = new EngagementInsightsReader({ apiUrl: service.url, apiKey: service.apiKey });
    const report = await reader.fetchUserTopInviterReport(TopInviterReportInterval.THIRTY_DAYS, { pageSize: 100 });
    expect(report.userReports.find((row) => row.userId === "naive")?.extraProperties?.numInvites).toBe(2);
  });
});
