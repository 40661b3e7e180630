import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/ingest.js";
import { createApiKey, createEnvironment } from "../../lib/auth/credentials.js";
import type { HttpRequest } from "../../lib/http/types.js";
import { segmentRoute } from "../../lib/segment/segmentRoute.js";
import { queryAll } from "../../lib/storage/batch.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { invoke } from "../helpers/apiEvent.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

let store: Store;
let environmentId: string;
let apiKey: string;

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

const post = (path: string, body: unknown, headers: Record<string, string> = { Authorization: basic(apiKey) }) =>
  invoke(handler, { method: "POST", path, headers: { "Content-Type": "application/json", ...headers }, body });

async function user(e: string, id: string) {
  const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.user(e, id) }));
  return got.Item;
}
async function org(e: string, id: string) {
  const got = await store.doc.send(new GetCommand({ TableName: store.tables.entities, Key: keys.org(e, id) }));
  return got.Item;
}

/** The invites an inviter sent today or yesterday (the invite log is partitioned by UTC day). */
async function readInvites(s: Store, e: string, inviter: string) {
  const days = [0, 1].map((d) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10));
  const items = [];
  for (const day of days) {
    items.push(
      ...(await queryAll<{ inviter_id: string; invitee_email: string; org_id: string | null }>(s, {
        TableName: s.tables.activity,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.invitesPk(e, day) },
      })),
    );
  }
  return items.filter((i) => i.inviter_id === inviter);
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "segment-tests"));
});

describe("Segment's tracking routes (CONTRACT §11)", () => {
  it("accept a batch with Basic auth and map identify, group and the B2B track events", async () => {
    const res = await post("/v1/batch", {
      batch: [
        {
          type: "identify",
          userId: "s-ada",
          messageId: "b1-1",
          timestamp: at(60),
          traits: { email: "ada@x.io", plan: "pro" },
        },
        {
          type: "group",
          userId: "s-ada",
          groupId: "s-acme",
          messageId: "b1-2",
          timestamp: at(59),
          traits: { name: "Acme", role: "Owner" },
        },
        {
          type: "track",
          userId: "s-ada",
          event: "Invite Sent",
          messageId: "b1-3",
          timestamp: at(58),
          properties: { invitee_email: "grace@x.io" },
          context: { groupId: "s-acme" },
        },
        {
          type: "track",
          userId: "s-bob",
          event: "Account Added User",
          messageId: "b1-4",
          timestamp: at(57),
          context: { groupId: "s-acme" },
          properties: { role: "Member" },
        },
        {
          type: "track",
          userId: "s-bob",
          event: "Account Removed User",
          messageId: "b1-5",
          timestamp: at(56),
          properties: { account_id: "s-acme" },
        },
        { type: "page", anonymousId: "anon-only", messageId: "b1-6" },
        { type: "alias", userId: "s-ada", previousId: "anon-only", messageId: "b1-7" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(await user(environmentId, "s-ada")).toMatchObject({ email: "ada@x.io", profile_json: '{"plan":"pro"}' });
    expect(await org(environmentId, "s-acme")).toMatchObject({ name: "Acme" });
    expect(await user(environmentId, "anon-only")).toBeUndefined();
    expect(await readInvites(store, environmentId, "s-ada")).toEqual([
      expect.objectContaining({ invitee_email: "grace@x.io", org_id: "s-acme" }),
    ]);
  });

  it("take the key as writeKey in the body, or Bearer; refuse others with 401 in Segment's format", async () => {
    const body = { userId: "s-w", messageId: "w1", timestamp: at(10) };
    expect((await post("/v1/track", { ...body, writeKey: apiKey }, {})).body).toEqual({ success: true });
    expect((await post("/v1/track", body, { Authorization: `Bearer ${apiKey}` })).status).toBe(200);
    const readOnly = (await createApiKey(store, environmentId, ["read"])).api_key;
    const refused: Record<string, string>[] = [
      {},
      { Authorization: basic("eik_nope") },
      { Authorization: basic(readOnly) },
    ];
    for (const headers of refused) {
      const res = await post("/v1/track", body, headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, message: expect.stringContaining("ingest") });
    }
    expect((await post("/v1/track", { ...body, writeKey: readOnly }, {})).status).toBe(401);
  });

  it("answer 400 naming the message's own field when no message is good, writing nothing", async () => {
    const cases: [string, unknown, string][] = [
      ["/v1/batch", "{", "Request body is not valid JSON"],
      ["/v1/batch", [1], "Request body must be a JSON object"],
      ["/v1/batch", { batch: "x" }, "batch must be an array of messages"],
      ["/v1/batch", { batch: [{ type: "nope", userId: "u" }] }, "batch[0].type must be one of"],
      ["/v1/batch", { batch: [{ type: "identify", userId: "s-bad", traits: { email: 5 } }] }, "batch[0].traits.email "],
      ["/v1/identify", { userId: "x".repeat(257) }, "userId must be at most 256 bytes"],
      [
        "/v1/track",
        { userId: "s-bad", timestamp: "2999-01-01T00:00:00Z" },
        "timestamp must not be more than 5 minutes",
      ],
      ["/v1/track", { userId: "s-bad", event: "Invite Sent" }, "properties.invitee_email is required"],
      ["/v1/group", { userId: "s-bad" }, "groupId is required"],
    ];
    for (const [path, body, message] of cases) {
      const res = await post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((res.body as { message: string }).message).toContain(message);
      expect(res.body).toMatchObject({ success: false });
    }
    expect(await user(environmentId, "s-bad")).toBeUndefined();
  });

  it("keep a batch's good messages when some are bad (Segment's libraries drop a batch answered 400)", async () => {
    const res = await post("/v1/batch", {
      batch: [
        { type: "track", userId: "s-kept", event: "Signed In", messageId: "kept-1" },
        { type: "track", userId: "s-dropped", event: "Invite Sent", properties: { invitee: "x@y.z" } },
        { type: "track", userId: "s-skewed", timestamp: "2999-01-01T00:00:00Z" },
        { type: "identify", userId: "s-kept-2", traits: { email: "k@x.io" }, messageId: "kept-2" },
      ],
    });
    expect(res).toMatchObject({ status: 200, body: { success: true } });
    expect(await user(environmentId, "s-kept")).toBeDefined();
    expect((await user(environmentId, "s-kept-2"))?.email).toBe("k@x.io");
    expect(await user(environmentId, "s-dropped")).toBeUndefined();
    expect(await user(environmentId, "s-skewed")).toBeUndefined();
  });

  it("answer 413 over 500 KB a batch or 32 KB a message", async () => {
    const big = (n: number) => ({ type: "identify", userId: "s-big", traits: { blob: "x".repeat(n) } });
    const batch = await post("/v1/batch", { batch: Array.from({ length: 20 }, () => big(30_000)) });
    expect(batch.status).toBe(413);
    expect(batch.body).toEqual({ success: false, message: "Request body is over 500 KB" });
    const message = await post("/v1/batch", { batch: [big(33_000)] });
    expect(message.status).toBe(413);
    expect(message.body).toEqual({ success: false, message: "batch[0] is over 32 KB" });
    expect((await post("/v1/identify", big(33_000))).status).toBe(413);
    expect(await user(environmentId, "s-big")).toBeUndefined();
  });

  it("map a batch of more than 1000 events in chunks, each message once", async () => {
    const { environment_id: e, api_key } = await createEnvironment(store, "segment-chunks");
    const batch = Array.from({ length: 520 }, (_, i) => ({
      type: "track",
      event: "Invite Sent",
      userId: `c-${i % 10}`,
      messageId: `chunk-${i}`,
      timestamp: at(30),
      properties: { invitee_email: `i${i}@x.io` },
    }));
    const request: HttpRequest = {
      method: "POST",
      path: "/v1/batch",
      headers: { authorization: basic(api_key) },
      query: {},
      pathParameters: {},
      body: JSON.stringify({ batch }),
      requestId: "r",
    };
    // 1,040 events: two ingestion chunks. Called directly: DynamoDB Local is slower than a Lambda's timeout here.
    expect((await segmentRoute(store, request, undefined)).body).toBe('{"success":true}');
    expect((await segmentRoute(store, request, undefined)).body).toBe('{"success":true}');
    expect((await readInvites(store, e, "c-3")).length).toBe(52);
  }, 180_000);
});

describe("a Segment batch that fails midway and is sent again", () => {
  it("counts each message once, whichever storage call failed, also when one message became two events", async () => {
    const batch = [
      { type: "identify", userId: "f-1", messageId: "f1", timestamp: at(20), traits: { email: "f@x.io" } },
      { type: "group", userId: "f-1", groupId: "f-org", messageId: "f2", timestamp: at(19), traits: { name: "F" } },
      {
        type: "track",
        userId: "f-1",
        event: "Invite Sent",
        messageId: "f3",
        timestamp: at(18),
        properties: { invitee_email: "g@x.io" },
      },
      {
        type: "track",
        userId: "f-1",
        event: "Invite Sent",
        messageId: "f4",
        timestamp: at(17),
        properties: { invitee_email: "h@x.io" },
      },
    ];
    const request = (key: string): HttpRequest => ({
      method: "POST",
      path: "/v1/batch",
      headers: { authorization: basic(key) },
      query: {},
      pathParameters: {},
      body: JSON.stringify({ batch }),
      requestId: "r",
    });
    let callsOfClean = 0;
    {
      const { environment_id: e, api_key } = await createEnvironment(store, "clean");
      const counting = interceptedStore(store, (_c, send) => {
        callsOfClean += 1;
        return send();
      });
      await segmentRoute(counting, request(api_key), undefined);
      expect(await readInvites(store, e, "f-1")).toHaveLength(2);
    }
    expect(callsOfClean).toBeGreaterThan(5);
    for (let nth = 1; nth <= callsOfClean; nth++) {
      const { environment_id: e, api_key } = await createEnvironment(store, `fault-${nth}`);
      let n = 0;
      const faulty = interceptedStore(store, (_c, send) =>
        ++n === nth
          ? nth % 2 === 0
            ? Promise.reject(new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} }))
            : send().then(() => Promise.reject(new Error("injected: crash after the write")))
          : send(),
      );
      await segmentRoute(faulty, request(api_key), undefined).catch(() => undefined);
      expect((await segmentRoute(store, request(api_key), undefined)).body).toBe('{"success":true}');
      await segmentRoute(store, request(api_key), undefined);
      const invites = await readInvites(store, e, "f-1");
      expect({ nth, invites: invites.map((i) => i.invitee_email).sort() }).toEqual({
        nth,
        invites: ["g@x.io", "h@x.io"],
      });
      expect(await org(e, "f-org")).toMatchObject({ name: "F" });
    }
  }, 240_000);
});
