import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/ingest.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { type Store, storeFromEnv } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";

/**
 * Throttling half-way through a batch, injected with aws-sdk-client-mock around the REAL DynamoDB Local client:
 * every command but the faulted ones goes through to the server, so the query logic is the real one.
 */
let store: Store;
let environmentId: string;
let apiKey: string;
let restore: (() => void) | undefined;

function throttleTransactWrites(failingCalls: Set<number>) {
  const doc = storeFromEnv().doc; // the client the handler uses
  const realSend = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
  const mock = mockClient(doc);
  let transactWrites = 0;
  mock.send.callsFake(async (command: unknown) => {
    if (command instanceof TransactWriteCommand && failingCalls.has(++transactWrites)) {
      throw new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} });
    }
    return realSend(command);
  });
  restore = () => mock.restore();
}

afterEach(() => {
  restore?.();
  restore = undefined;
});

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "faults"));
});

const counter = async (metric: "signups" | "active_users", day: string) =>
  ((
    await store.doc.send(
      new GetCommand({ TableName: store.tables.activity, Key: keys.bucketCounter(environmentId, metric, "day", day) }),
    )
  ).Item?.count as number | undefined) ?? 0;

describe("a write that fails midway", () => {
  const batch = (prefix: string, withIds: boolean) => ({
    events: Array.from({ length: 30 }, (_, i) => [
      {
        type: "user.created",
        user_id: `${prefix}${i}`,
        occurred_at: "2026-04-01T10:00:00Z",
        ...(withIds ? { event_id: `${prefix}c${i}` } : {}),
      },
      {
        type: "user.active",
        user_id: `${prefix}${i}`,
        occurred_at: "2026-04-02T10:00:00Z",
        ...(withIds ? { event_id: `${prefix}a${i}` } : {}),
      },
    ]).flat(),
  });
  const post = (body: unknown) =>
    invoke(handler, { method: "POST", path: "/api/backend/v1/events", headers: { authorization: `Bearer ${apiKey}` }, body });

  it.each([
    ["early in the activity writes", new Set([3])],
    // 30 users × 4 new set members (day/week/month of sign-up, day of activity) = 120 activity transactions first.
    ["in the user writes", new Set([125, 126])],
  ])("answers 503 retry when throttled %s, and a retry of the same batch counts everything once", async (_, calls) => {
    const prefix = `p${calls.values().next().value}-`;
    const signupsBefore = await counter("signups", "2026-04-01");
    const activeBefore = await counter("active_users", "2026-04-02");
    throttleTransactWrites(calls);
    const failed = await post(batch(prefix, true));
    expect([failed.status, failed.body]).toEqual([503, { error: "retry" }]);
    restore?.();
    restore = undefined;
    const retried = await post(batch(prefix, true));
    expect([retried.status, retried.body]).toEqual([200, { accepted: 60, duplicates: 0 }]);
    expect((await post(batch(prefix, true))).body).toEqual({ accepted: 0, duplicates: 60 });
    expect((await counter("signups", "2026-04-01")) - signupsBefore).toBe(30);
    expect((await counter("active_users", "2026-04-02")) - activeBefore).toBe(30);
  });

  it("keeps distinct counts exact even for a retried batch without event ids", async () => {
    throttleTransactWrites(new Set([40]));
    expect((await post(batch("n-", false))).status).toBe(503);
    restore?.();
    restore = undefined;
    expect((await post(batch("n-", false))).status).toBe(200);
    const listed = await store.doc.send(
      new GetCommand({ TableName: store.tables.entities, Key: keys.userCount(environmentId) }),
    );
    // 30 + 30 users from the two runs above, 30 here: each counted once however often its batch was tried.
    expect(listed.Item?.count).toBe(90);
  });
});
