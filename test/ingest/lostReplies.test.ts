import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { handler } from "../../functions/ingest.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import type { Store } from "../../lib/storage/client.js";
import { invoke } from "../helpers/apiEvent.js";
import { type FaultProxy, startFaultProxy } from "../helpers/faultProxy.js";
import { testStore } from "../helpers/store.js";

// Issue 20.2: a write whose reply is lost after it applied is sent again by the AWS SDK and then fails its own
// condition; it must be recognised as this request's own write, not another delivery's.

let store: Store;
let proxy: FaultProxy;
let apiKey: string;
beforeAll(async () => {
  store = await testStore();
  ({ api_key: apiKey } = await createEnvironment(store, "lost-replies"));
  proxy = await startFaultProxy(inject("dynamodbEndpoint"));
  // The handler builds its store from the environment on first use: through the fault layer.
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
});
afterAll(() => proxy.close());

const post = (events: unknown[]) =>
  invoke(handler, {
    method: "POST",
    path: "/api/backend/v1/events",
    headers: { authorization: `Bearer ${apiKey}` },
    body: { events },
  });

/** Loses the reply of the first write matching `matches`, after DynamoDB Local applied it. */
function loseFirstReply(matches: (operation: string, body: string) => boolean) {
  let lost = 0;
  proxy.setPlan((call) =>
    lost === 0 && matches(call.operation, JSON.stringify(call.body)) && ++lost ? "lostReply" : undefined,
  );
  return () => lost;
}

describe("a write applied whose reply was lost", () => {
  it.each([
    ["the batch's completion", (op: string, body: string) => op === "UpdateItem" && body.includes("completed_at")],
    ["an event's claim", (op: string, body: string) => op === "PutItem" && body.includes('"EV"')],
    ["the batch's creation", (op: string, body: string) => op === "PutItem" && body.includes('"BATCH"')],
    ["the user's write", (op: string, body: string) => op === "TransactWriteItems" && body.includes('"USER"')],
  ])("in %s: the first delivery is answered accepted, and counted once", async (_name, matches) => {
    const id = `${_name.replace(/\W/g, "")}-${Date.now()}`;
    const lost = loseFirstReply(matches);
    const events = [{ type: "user.created", user_id: id, event_id: `created-${id}` }];
    const first = await post(events);
    expect(lost()).toBe(1);
    proxy.setPlan(() => undefined);
    expect([first.status, first.body]).toEqual([200, { accepted: 1, duplicates: 0 }]);
    expect((await post(events)).body).toEqual({ accepted: 0, duplicates: 1 });
  });
});
