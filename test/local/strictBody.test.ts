import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { rawRequest, sendRaw } from "../helpers/rawHttp.js";
import { testStore } from "../helpers/store.js";
import { allItems } from "../helpers/tableItems.js";

/**
 * Issue 17 through the local server, bytes on a real socket: a body that isn't UTF-8 reaches the handler as its
 * bytes (never decoded with U+FFFD on the way) and is refused there, nothing written.
 */

let store: Store;
let server: RunningServer;
let auth: string;

beforeAll(async () => {
  store = await testStore();
  const { api_key } = await createEnvironment(store, "strict-local");
  auth = `Authorization: Bearer ${api_key}\r\nContent-Type: application/json\r\n`;
  // No rate limiter: its counters are writes of their own, and this test checks that a refusal writes nothing.
  server = await startLocalServer(0, { tenantGate: null });
});
afterAll(async () => {
  await server?.close();
});

function postBytes(body: Buffer) {
  const head = rawRequest("POST /api/backend/v1/events HTTP/1.1", `${auth}Content-Length: ${body.length}\r\n`);
  return sendRaw(server.port, Buffer.concat([Buffer.from(head, "latin1"), body]));
}

const eventWithUserId = (bad: number[], eventId: string) =>
  Buffer.concat([
    Buffer.from('{"events":[{"type":"user.created","user_id":"bad'),
    Buffer.from(bad),
    Buffer.from(`(id2","event_id":"${eventId}"}]}`),
  ]);

describe("POST /api/backend/v1/events with bytes that aren't UTF-8", () => {
  it.each([
    ["\\xc3(", [0xc3]],
    ["overlong \\xc0\\xaf", [0xc0, 0xaf]],
    ["a surrogate \\xed\\xa0\\x80", [0xed, 0xa0, 0x80]],
  ])("%s is 400 invalid_json with nothing written", async (_what, bad) => {
    const before = await allItems(store);
    const response = await postBytes(eventWithUserId(bad, "e-bad"));
    expect([response.status, response.body]).toEqual([400, { error: "invalid_json" }]);
    expect(await allItems(store)).toEqual(before);
  });

  it("the same request in valid UTF-8 is stored as sent", async () => {
    const before = await allItems(store);
    const response = await postBytes(eventWithUserId([0xc3, 0xa9], "e-good"));
    expect([response.status, response.body]).toEqual([200, { accepted: 1, duplicates: 0 }]);
    const after = await allItems(store);
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.some((item) => item.includes("badé(id2"))).toBe(true);
  });
});
