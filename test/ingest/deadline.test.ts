import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/ingest.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { DEADLINE_MARGIN_MS } from "../../lib/http/deadline.js";
import { type Store, storeFromEnv } from "../../lib/storage/client.js";
import { currentUserCount } from "../../lib/users/storage.js";
import { apiEvent, callHandler, lambdaContext } from "../helpers/apiEvent.js";
import { interceptCommands } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

// Issue 20.3: a request that nears its Lambda's deadline stops taking new work and answers 503 with Retry-After (its
// batch stays pending), never 500; the retry completes it, exactly once.

let store: Store;
let environmentId: string;
let apiKey: string;
let restore: (() => void) | undefined;
beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "deadline"));
});
afterEach(() => {
  restore?.();
  restore = undefined;
});

const USERS = 150;
const body = {
  events: Array.from({ length: USERS }, (_, i) => [
    { type: "user.created", user_id: `d${i}`, occurred_at: "2026-04-01T10:00:00Z", event_id: `dc${i}` },
    { type: "user.active", user_id: `d${i}`, occurred_at: "2026-04-02T10:00:00Z", event_id: `da${i}` },
  ]).flat(),
};
const post = (remainingMs: number) =>
  callHandler(
    handler,
    apiEvent({
      method: "POST",
      path: "/api/backend/v1/events",
      headers: { authorization: `Bearer ${apiKey}` },
      body,
    }),
    { ...lambdaContext(), getRemainingTimeInMillis: () => remainingMs },
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const userCount = () => currentUserCount(store, environmentId);

describe("a request that reaches its deadline", () => {
  it("answers 503 retry with Retry-After, starts no more writes, and its retry counts every event once", async () => {
    let answered = false;
    let sentAfterAnswer = 0;
    let sent = 0;
    // DynamoDB answering slowly (30 ms a call): the batch can't finish in the 400 ms this request has left.
    restore = interceptCommands(storeFromEnv().doc, async (_command, send) => {
      sent++;
      if (answered) sentAfterAnswer++;
      await sleep(30);
      return send();
    });
    const started = Date.now();
    const late = await post(DEADLINE_MARGIN_MS + 400);
    answered = true;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(late.statusCode).toBe(503);
    expect(JSON.parse(late.body)).toEqual({ error: "retry" });
    expect(late.headers?.["retry-after"]).toBe("1");
    expect(sent).toBeGreaterThan(0);
    await sleep(500); // calls in flight at the deadline land; none starts after it
    expect(sentAfterAnswer).toBe(0);
    expect(await userCount()).toBeLessThan(USERS); // it did stop midway

    restore();
    restore = undefined;
    const retried = await post(120_000);
    expect([retried.statusCode, JSON.parse(retried.body)]).toEqual([200, { accepted: USERS * 2, duplicates: 0 }]);
    const again = await post(120_000);
    expect(JSON.parse(again.body)).toEqual({ accepted: 0, duplicates: USERS * 2 });
    expect(await userCount()).toBe(USERS);
  });
});
