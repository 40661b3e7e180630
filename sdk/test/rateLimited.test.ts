import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantGate } from "../../lib/limits/tenantGate.js";
import { EngagementInsights, type FetchLike, type IngestionError } from "../src/index.js";
import { type LocalService, startLocalService } from "./localService.js";

/**
 * Several clients sharing a tenant limited to 1 request/s, against the local server (which limits tenants as the
 * deployed API's usage plans do, answering 429 with Retry-After): by honouring Retry-After every batch gets through
 * on the client's default settings, none reported as failed, each event stored once.
 */

const CLIENTS = 3;
const BATCHES_EACH = 5;
const EVENTS_PER_BATCH = 4;

let service: LocalService;
beforeAll(async () => {
  service = await startLocalService((store) => ({
    tenantGate: new TenantGate(() => store, { defaults: { rate: 1, burst: 1 } }),
  }));
});
afterAll(async () => {
  await service?.close();
});

describe("ingestion clients on a tenant limited to 1 request/s", () => {
  it(`${CLIENTS} clients × ${BATCHES_EACH} batches: every batch accepted, after 429s`, {
    timeout: 120_000,
  }, async () => {
    const statuses: number[] = [];
    const counting: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const errors: IngestionError[] = [];
    const clients = Array.from(
      { length: CLIENTS },
      () =>
        new EngagementInsights({
          apiUrl: service.url,
          apiKey: service.apiKey,
          flushAt: EVENTS_PER_BATCH,
          fetch: counting,
          onError: (e) => errors.push(e),
        }),
    );
    // Each client queues a batch's events (flushAt sends them) and waits for it before the next: BATCHES_EACH
    // requests per client, all clients at once.
    const totals = await Promise.all(
      clients.map(async (client, c) => {
        for (let b = 0; b < BATCHES_EACH; b++) {
          for (let i = 0; i < EVENTS_PER_BATCH; i++) client.userActive({ user_id: `c${c}-b${b}-u${i}` });
          await client.flush();
        }
        return client.closeAndFlush();
      }),
    );

    expect(errors.map((e) => `${e.reason}: ${e.message}`)).toEqual([]);
    expect(totals).toEqual(
      Array(CLIENTS).fill({ accepted: BATCHES_EACH * EVENTS_PER_BATCH, duplicates: 0, failed: 0 }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(CLIENTS * BATCHES_EACH);
    // The limit was met: the test is about 429s being waited out, not about a limit never reached.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  });
});
