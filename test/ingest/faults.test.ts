import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/ingest.js";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { type Store, storeFromEnv } from "../../lib/storage/client.js";
import { readBucketCounts } from "../../lib/storage/monthCounters.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { currentUserCount } from "../../lib/users/storage.js";
import { invoke } from "../helpers/apiEvent.js";
import { interceptCommands } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

/** Faults injected around the handler's REAL DynamoDB Local client (test/helpers/intercept.ts). */
let store: Store;
let environmentId: string;
let apiKey: string;
let restore: (() => void) | undefined;

type Fault = (command: unknown) => Promise<unknown> | undefined;

/** Routes the handler's client through `fault` first: a fault returns a promise to answer instead, or undefined. */
function injectFaults(fault: Fault) {
  restore = interceptCommands(storeFromEnv().doc, (command, send) => fault(command) ?? send());
}

const throttle = () =>
  Promise.reject(new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} }));

/** Throttles the `nth` TransactWrite (1-based) for which `matches` holds. */
function throttleNth(
  nth: number,
  matches: (items: Record<string, { TableName?: string; Item?: Record<string, unknown> }>[]) => boolean,
): Fault {
  let seen = 0;
  return (command) => {
    if (!(command instanceof TransactWriteCommand)) return undefined;
    const items = (command.input.TransactItems ?? []) as Record<
      string,
      { TableName?: string; Item?: Record<string, unknown> }
    >[];
    return matches(items) && ++seen === nth ? throttle() : undefined;
  };
}

/** Throttles the `nth` single Put (1-based) into the table whose name ends with `suffix` (and of sort key `sk`). */
function throttleNthPut(nth: number, suffix: string, sk?: string): Fault {
  let seen = 0;
  return (command) =>
    command instanceof PutCommand &&
    command.input.TableName?.endsWith(suffix) &&
    (sk === undefined || command.input.Item?.sk === sk) &&
    ++seen === nth
      ? throttle()
      : undefined;
}

const putsInto =
  (suffix: string, sk?: string) => (items: Record<string, { TableName?: string; Item?: Record<string, unknown> }>[]) =>
    items.some((i) => i.Put?.TableName?.endsWith(suffix) && (sk === undefined || i.Put.Item?.sk === sk));

afterEach(() => {
  restore?.();
  restore = undefined;
});

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId, api_key: apiKey } = await createEnvironment(store, "faults"));
});

const counter = async (metric: "signups" | "active_users" | "active_orgs", day: string) =>
  (await readBucketCounts(store, environmentId, metric, "day", day, day)).get(day) ?? 0;

const userCount = () => currentUserCount(store, environmentId);

// 120 users (more than one 100-item transaction of user writes), each signing up, joining an org, being active.
const USERS = 120;
const batch = (prefix: string, withIds: boolean) => ({
  events: Array.from({ length: USERS }, (_, i) => {
    const id = withIds ? (suffix: string) => ({ event_id: `${prefix}${suffix}${i}` }) : () => ({});
    return [
      { type: "user.created", user_id: `${prefix}${i}`, occurred_at: "2026-04-01T10:00:00Z", ...id("c") },
      {
        type: "org.member_added",
        org_id: `${prefix}org`,
        user_id: `${prefix}${i}`,
        occurred_at: "2026-04-01T11:00:00Z",
        ...id("m"),
      },
      { type: "user.active", user_id: `${prefix}${i}`, occurred_at: "2026-04-02T10:00:00Z", ...id("a") },
    ];
  }).flat(),
});
const post = (body: unknown) =>
  invoke(handler, {
    method: "POST",
    path: "/api/backend/v1/events",
    headers: { authorization: `Bearer ${apiKey}` },
    body,
  });

describe("a write that fails midway", () => {
  it.each([
    ["in the activity-set writes", throttleNthPut(2, "activity")],
    ["between two transactions of user writes", throttleNth(2, putsInto("entities", "USER"))],
    // Claims are single conditional Puts: the 50th fails after others landed.
    ["while claiming the event ids", throttleNthPut(50, "entities", "EV")],
  ])(
    "answers 503 retry when throttled %s, and a retry of the same batch counts everything once",
    async (label, fault) => {
      const prefix = `${label.split(" ")[2]}-`;
      const before = {
        signups: await counter("signups", "2026-04-01"),
        active: await counter("active_users", "2026-04-02"),
        orgs: await counter("active_orgs", "2026-04-02"),
        users: await userCount(),
      };
      injectFaults(fault);
      const failed = await post(batch(prefix, true));
      expect([failed.status, failed.body]).toEqual([503, { error: "retry" }]);
      restore?.();
      restore = undefined;
      const retried = await post(batch(prefix, true));
      expect([retried.status, retried.body]).toEqual([200, { accepted: 3 * USERS, duplicates: 0 }]);
      expect((await post(batch(prefix, true))).body).toEqual({ accepted: 0, duplicates: 3 * USERS });
      expect((await counter("signups", "2026-04-01")) - before.signups).toBe(USERS);
      expect((await counter("active_users", "2026-04-02")) - before.active).toBe(USERS);
      expect((await counter("active_orgs", "2026-04-02")) - before.orgs).toBe(1);
      expect((await userCount()) - before.users).toBe(USERS);
      const changes = await store.doc.send(
        new QueryCommand({
          TableName: store.tables.activity,
          KeyConditionExpression: "pk = :pk",
          FilterExpression: "org_id = :org",
          ExpressionAttributeValues: {
            ":pk": keys.memberChangesPk(environmentId, "2026-04-01"),
            ":org": `${prefix}org`,
          },
        }),
      );
      expect(changes.Items).toHaveLength(USERS);
    },
  );

  it("answers 503 with Retry-After, not 500, when day set members stay contended, and the retry counts once", async () => {
    const before = await counter("active_users", "2026-04-02");
    // Every write of a day set member loses to a "concurrent batch" (its condition fails), attempt after attempt.
    let contended = 0;
    injectFaults((command) => {
      const input = (command as { input: { TableName?: string; Item?: { pk?: string }; Key?: { pk?: string } } }).input;
      const pk = input.Item?.pk ?? input.Key?.pk ?? "";
      if (!(command instanceof PutCommand || command instanceof UpdateCommand) || !pk.includes("#SET#")) return;
      contended++;
      return Promise.reject(
        new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }),
      );
    });
    const failed = await post(batch("contended-", true));
    expect(contended).toBeGreaterThan(0);
    expect([failed.status, failed.body]).toEqual([503, { error: "retry" }]);
    expect(failed.headers["retry-after"]).toMatch(/^\d+$/);
    restore?.();
    restore = undefined;
    const retried = await post(batch("contended-", true));
    expect([retried.status, retried.body]).toEqual([200, { accepted: 3 * USERS, duplicates: 0 }]);
    expect((await counter("active_users", "2026-04-02")) - before).toBe(USERS);
  });

  it("keeps distinct counts exact for a retried batch without event ids", async () => {
    const users = await userCount();
    injectFaults(throttleNth(2, putsInto("entities", "USER")));
    expect((await post(batch("noid-", false))).status).toBe(503);
    restore?.();
    restore = undefined;
    expect((await post(batch("noid-", false))).status).toBe(200);
    expect((await userCount()) - users).toBe(USERS);
  });

  it("retries the unprocessed part of a partially applied batch write", async () => {
    let partial = 0;
    injectFaults((command) => {
      if (!(command instanceof BatchWriteCommand) || partial++ > 0) return undefined;
      // DynamoDB applied nothing of this call and hands every item back as unprocessed.
      return Promise.resolve({ UnprocessedItems: command.input.RequestItems, $metadata: {} });
    });
    const res = await post(batch("partial-", true));
    expect(res.status).toBe(200);
    expect(partial).toBeGreaterThan(1);
    const changes = await store.doc.send(
      new QueryCommand({
        TableName: store.tables.activity,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "org_id = :org",
        ExpressionAttributeValues: { ":pk": keys.memberChangesPk(environmentId, "2026-04-01"), ":org": "partial-org" },
      }),
    );
    expect(changes.Items).toHaveLength(USERS);
  });
});
