import { beforeAll, describe, expect, it } from "vitest";
import { handler as ingest } from "../../functions/ingest.js";
import { handler as users } from "../../functions/users.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import type { Store } from "../../lib/storage/client.js";
import { apiEvent, callHandler, invoke } from "../helpers/apiEvent.js";
import { testStore } from "../helpers/store.js";
import { allItems } from "../helpers/tableItems.js";

/**
 * Issue 17 through the ingest handler, bodies as API Gateway delivers them (base64, every media type binary): bytes
 * that aren't UTF-8 are malformed JSON, refused with nothing written, never stored as U+FFFD; a `profile` number
 * that would be stored as another value is refused naming the field.
 */

let store: Store;
let apiKey: string;
let environmentId: string;

beforeAll(async () => {
  store = await testStore();
  ({ api_key: apiKey, environment_id: environmentId } = await createEnvironment(store, "strict-body"));
});

/** POSTs `bytes` as API Gateway hands them over: base64 with isBase64Encoded. */
async function post(bytes: Buffer) {
  const event = {
    ...apiEvent({
      method: "POST",
      path: "/api/backend/v1/events",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    }),
    body: bytes.toString("base64"),
    isBase64Encoded: true,
  };
  const result = await callHandler(ingest, event);
  return { status: result.statusCode, body: JSON.parse(result.body) as unknown };
}

/** A one-event body whose user id is `before`, the bytes `bad`, then `after`. */
const withUserId = (before: string, bad: number[], after: string) =>
  Buffer.concat([
    Buffer.from(`{"events":[{"type":"user.created","user_id":"${before}`),
    Buffer.from(bad),
    Buffer.from(`${after}","event_id":"e-${before}"}]}`),
  ]);

describe("a body that is not UTF-8", () => {
  it.each([
    ["a lead byte followed by ASCII (bad\\xc3(id2)", [0xc3, 0x28]],
    ["an overlong '/' (\\xc0\\xaf)", [0xc0, 0xaf]],
    ["a UTF-16 surrogate encoded in UTF-8 (\\xed\\xa0\\x80)", [0xed, 0xa0, 0x80]],
    ["a lone continuation byte (\\x80)", [0x80]],
    ["a truncated sequence (\\xe2\\x82)", [0xe2, 0x82]],
    ["a code point past U+10FFFF (\\xf4\\x90\\x80\\x80)", [0xf4, 0x90, 0x80, 0x80]],
    ["Latin-1 é (\\xe9)", [0xe9]],
  ])("is 400 invalid_json and writes nothing: %s", async (_what, bad) => {
    const before = await allItems(store);
    expect(await post(withUserId("bad", bad, "id2"))).toEqual({ status: 400, body: { error: "invalid_json" } });
    expect(await allItems(store)).toEqual(before);
  });

  it("is refused wherever the bytes are, not only in ids", async () => {
    const body = Buffer.concat([
      Buffer.from('{"events":[{"type":"user.created","user_id":"u-profile","profile":{"k":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}}]}'),
    ]);
    const before = await allItems(store);
    expect(await post(body)).toEqual({ status: 400, body: { error: "invalid_json" } });
    expect(await allItems(store)).toEqual(before);
  });

  it("an oversized one is still 413 (the size is checked first)", async () => {
    const body = Buffer.concat([withUserId("big", [0xc3, 0x28], "x"), Buffer.alloc(1024 * 1024, 0x20)]);
    expect(await post(body)).toEqual({ status: 413, body: { error: "payload_too_large" } });
  });

  it("while the same body in valid UTF-8 is stored, multi-byte characters included (so the check can fail)", async () => {
    const before = await allItems(store);
    const valid = withUserId("good", [0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80], "id2"); // "é😀"
    expect(await post(valid)).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
    const after = await allItems(store);
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.some((item) => item.includes("goodé😀id2"))).toBe(true);
    expect(after.some((item) => item.includes("\ufffd"))).toBe(false);
  });
});

const profileOf = async (userId: string) => {
  const answer = await invoke(users, {
    path: `/api/v2/users/${userId}`,
    headers: { authorization: `Bearer ${apiKey}`, "environment-id": environmentId },
  });
  return (answer.body as { data: { profile: unknown }[] }).data[0]?.profile;
};

describe("profile numbers a double can't hold exactly", () => {
  it.each([
    ["1e400", "null"],
    ["1e-400", "0"],
    ["12345678901234567890", "12345678901234567000"],
    ["-1e400", "null"],
  ])("%s is 400 invalid_events naming the field, nothing written", async (number, storedAs) => {
    const body = `{"events":[{"type":"user.active","user_id":"fine"},
      {"type":"user.created","user_id":"n-${number}","event_id":"n-${number}","profile":{"ok":1,"deep":{"list":[2,${number}]}}}]}`;
    const before = await allItems(store);
    expect(await post(Buffer.from(body))).toEqual({
      status: 400,
      body: {
        error: "invalid_events",
        event_errors: [
          {
            index: 1,
            field: "profile.deep.list.1",
            message: `is ${number}, which can't be stored exactly (it would become ${storedAs}): send it as a string`,
          },
        ],
      },
    });
    expect(await allItems(store)).toEqual(before);
  });

  it("numbers that keep their value are stored, in JSON's shortest spelling (1.0 is 1, 1e2 is 100)", async () => {
    const body = `{"events":[{"type":"user.created","user_id":"exact","profile":
      {"one":1.0,"hundred":1e2,"tenth":0.10,"zero":-0,"max":9007199254740992,"e20":100000000000000000000,
       "small":5e-324,"digits":"12345678901234567890"}}]}`;
    expect(await post(Buffer.from(body))).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
    expect(JSON.stringify(await profileOf("exact"))).toBe(
      '{"one":1,"hundred":100,"tenth":0.1,"zero":0,"max":9007199254740992,"e20":100000000000000000000,' +
        '"small":5e-324,"digits":"12345678901234567890"}',
    );
  });

  it("an inexact number outside the free-form fields is validated as before (occurred_at is an instant)", async () => {
    const body = `{"events":[{"type":"user.created","user_id":"when","occurred_at":1700000000.0000000000001}]}`;
    expect(await post(Buffer.from(body))).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
  });
});
