import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import type { Store } from "../../lib/storage/client.js";
import { type RunningServer, startLocalServer } from "../../scripts/lib/httpServer.js";
import { testStore } from "../helpers/store.js";

/**
 * A hostile ingestion client against the local HTTP server (the same handler as deployed): generated event batches
 * with special keys, over-long and multi-byte ids, deep and large objects, any instant. Whatever is sent: no status
 * ≥ 500 but `503 {"error": "retry"}`, a JSON body in the ingestion's format with an `x-request-id`, and a rejected
 * request changes no stored item. (Paths, methods and raw requests of every family: edges.property.test.ts.)
 */

let store: Store;
let server: RunningServer;
let apiKey: string;

beforeAll(async () => {
  store = await testStore();
  server = await startLocalServer(0);
  ({ api_key: apiKey } = await createEnvironment(store, "hostile"));
});
afterAll(async () => {
  await server?.close();
});

/** Every item of the environment (this file's own tables, read whole: fine in a test). */
async function storedItems(): Promise<string[]> {
  const items: string[] = [];
  for (const table of Object.values(store.tables)) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await store.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }));
      items.push(...(page.Items ?? []).map((item) => JSON.stringify(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return items.sort();
}

async function checkResponse(path: string, response: Response) {
  const text = await response.text();
  expect(response.headers.get("x-request-id"), `${response.status} ${path}`).toBeTruthy();
  let body: unknown;
  expect(
    () => {
      body = JSON.parse(text);
    },
    `${response.status} ${path}: ${text.slice(0, 200)}`,
  ).not.toThrow();
  if (response.status >= 500) expect([path, response.status, body]).toEqual([path, 503, { error: "retry" }]);
  if (response.status >= 400) expect(typeof (body as { error?: unknown }).error, `${path} ${text}`).toBe("string");
}

// Strings a hostile client likes: special JavaScript keys, long and multi-byte ids, control characters, stray `%`.
const nastyString = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "", " ", "%zz", "%", "a/b", "..", "\u0000"),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.integer({ min: 250, max: 2200 }).map((n) => "a".repeat(n)),
  fc.integer({ min: 60, max: 200 }).map((n) => "é".repeat(n)),
);
const jsonObject = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<unknown>) =>
  fc.array(fc.tuple(keys, values), { maxLength: 6 }).map((entries) => Object.fromEntries(entries));
const deep = fc.integer({ min: 1, max: 40 }).map((levels) => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
});
const anyValue = fc.oneof(
  nastyString,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  deep,
  fc.jsonValue({ maxDepth: 3 }),
);
const eventArb = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom(
        "user.created",
        "user.updated",
        "user.deleted",
        "user.active",
        "user.invited",
        "org.created",
        "org.updated",
        "org.member_added",
        "org.member_removed",
      ),
      nastyString,
    ),
    user_id: nastyString,
    org_id: nastyString,
    event_id: nastyString,
    name: nastyString,
    email: anyValue,
    invitee_email: fc.oneof(fc.constant("a@b.c"), nastyString),
    occurred_at: fc.oneof(
      fc
        .date({ min: new Date("1960-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc.integer(),
      nastyString,
    ),
    profile: fc.oneof(jsonObject(nastyString, anyValue), anyValue),
    signup_query_parameters: fc.oneof(jsonObject(nastyString, fc.oneof(nastyString, anyValue)), anyValue),
    role: anyValue,
  },
  { requiredKeys: ["type"] },
);
const bodyArb = fc.oneof(
  fc.array(eventArb, { minLength: 1, maxLength: 4 }).map((events) => JSON.stringify({ events })),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 40 }),
);

describe("hostile ingestion through the local server", () => {
  it("ingestion: no 5xx but retry, the family's format, nothing stored by a rejected request", async () => {
    let stored = await storedItems();
    await fc.assert(
      fc.asyncProperty(bodyArb, async (body) => {
        const path = "/api/backend/v1/events";
        const response = await fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body,
        });
        await checkResponse(path, response);
        const now = await storedItems();
        if (response.status >= 400) expect(now).toEqual(stored);
        stored = now;
      }),
      { numRuns: 150 },
    );
  }, 300_000);
});
