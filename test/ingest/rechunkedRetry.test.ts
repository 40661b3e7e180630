import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { BATCH_EVENTS_TTL_SECONDS } from "../../lib/ingest/batchEvents.js";
import { batchIdOf, readBatches, readClaims } from "../../lib/ingest/claims.js";
import { type IngestResult, ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { environmentItems } from "../helpers/tableItems.js";

/**
 * A request that fails midway, then sent again split in two (a sender that re-chunks its queue after a failure): each
 * half carries only part of the pending batch, which used to be applied only by a delivery carrying all of it, so the
 * halves were answered "duplicates" and nothing was written, for good (issue 20's probe). The first half now applies
 * the whole batch from its stored events (lib/ingest/batchEvents.ts), at the instants of the first attempt. For EVERY
 * storage call N of a clean delivery: the call is applied and the process dies (the harshest failure: whatever it
 * wrote stays), then the halves are sent; the tables must equal one clean delivery's.
 */

const FIRST = Date.parse("2026-11-20T12:00:00Z");
const RETRY = FIRST + 60_000;
const at = (minutesBefore: number) => new Date(FIRST - minutesBefore * 60_000).toISOString();

const batch = [
  { type: "user.created", user_id: "a", occurred_at: at(30), email: "a@x.io", event_id: "r1" },
  { type: "org.created", org_id: "o", name: "O", occurred_at: at(29), event_id: "r2" },
  { type: "org.member_added", org_id: "o", user_id: "a", event_id: "r3" },
  // Without occurred_at: counted at the instant of the request's first attempt, whoever applies it.
  { type: "user.active", user_id: "a", event_id: "r4" },
  { type: "user.created", user_id: "b", occurred_at: at(20), profile: { bio: "p".repeat(700) }, event_id: "r5" },
  { type: "user.invited", user_id: "a", invitee_email: "c@x.io", org_id: "o", event_id: "r6" },
  { type: "user.active", user_id: "b", occurred_at: at(10), event_id: "r7" },
  { type: "org.member_removed", org_id: "o", user_id: "a", event_id: "r8" },
];
const firstHalf = batch.slice(0, 4);
const secondHalf = batch.slice(4);
const ids = batch.map((event) => event.event_id);

let store: Store;
let clean: { whole: string[]; halves: string[] };
let callsOfCleanDelivery = 0;

async function environment(name: string): Promise<string> {
  return (await createEnvironment(store, name)).environment_id;
}

/** The stored-events items left under the batch of the whole request. */
async function storedEventItems(e: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await store.doc.send(
    new QueryCommand({
      TableName: store.tables.entities,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :events)",
      ExpressionAttributeValues: { ":pk": keys.ingestBatch(e, batchIdOf(ids)).pk, ":events": "EVENTS#" },
    }),
  );
  return Items;
}

beforeAll(async () => {
  store = await testStore();
  const whole = await environment("clean-whole");
  let calls = 0;
  const counting = interceptedStore(store, (_command, send) => {
    calls += 1;
    return send();
  });
  expect(await ingestEvents(counting, whole, batch, FIRST)).toEqual({ accepted: 8, duplicates: 0 });
  callsOfCleanDelivery = calls;
  // Sent in halves from the start: two batches, at the retry's instant.
  const halves = await environment("clean-halves");
  await ingestEvents(store, halves, firstHalf, RETRY);
  await ingestEvents(store, halves, secondHalf, RETRY);
  clean = { whole: await environmentItems(store, whole), halves: await environmentItems(store, halves) };
  expect(await storedEventItems(whole)).toEqual([]); // deleted when the batch completed
});

describe("a failed request sent again in two halves", () => {
  it("the clean references differ (so comparing with the right one can fail)", () => {
    expect(callsOfCleanDelivery).toBeGreaterThan(10);
    expect(clean.whole).not.toEqual(clean.halves);
  });

  it("counts every event once, at its first attempt's instant, for every call N the first attempt dies after", async () => {
    let resumed = 0;
    for (let nth = 1; nth <= callsOfCleanDelivery; nth++) {
      const e = await environment(`rechunk-${nth}`);
      let calls = 0;
      const dying = interceptedStore(store, (_command, send) =>
        ++calls === nth ? send().then(() => Promise.reject(new Error("injected: crash after the write"))) : send(),
      );
      let first: IngestResult | undefined;
      try {
        first = await ingestEvents(dying, e, batch, FIRST);
      } catch {}
      const claimedOnFirstAttempt = (await readClaims(store, e, ids)).size > 0;
      const completedOnFirstAttempt = (await readBatches(store, e, [batchIdOf(ids)])).get(batchIdOf(ids))?.completed;
      const answers = [await ingestEvents(store, e, firstHalf, RETRY), await ingestEvents(store, e, secondHalf, RETRY)];
      const tables = await environmentItems(store, e);
      if (claimedOnFirstAttempt) {
        expect({ nth, tables }).toEqual({ nth, tables: clean.whole });
      } else {
        // Died before claiming: nothing names its batch by an event id, so the halves are two new batches, at the
        // retry's instant; the dead attempt's batch stays pending, named by no claim.
        const named = (item: string) => item.includes('"sk":"BATCH"') && item.includes('"r1"') && item.includes('"r8"');
        expect({ nth, tables: tables.filter((item) => !named(item)) }).toEqual({ nth, tables: clean.halves });
      }
      for (const answer of answers) expect(answer.accepted + answer.duplicates).toBe(4);
      if (claimedOnFirstAttempt && first === undefined && answers[0]?.accepted) {
        // The first half applied the whole batch: its four are accepted, the second half's were already.
        expect({ nth, answers }).toEqual({
          nth,
          answers: [
            { accepted: 4, duplicates: 0 },
            { accepted: 0, duplicates: 4 },
          ],
        });
        resumed += 1;
      }
      // Deleted when the batch completes; an attempt that died before claiming, or between completing and deleting,
      // leaves them to the TTL.
      const left = await storedEventItems(e);
      if (claimedOnFirstAttempt && !completedOnFirstAttempt) expect({ nth, left }).toEqual({ nth, left: [] });
      for (const item of left) expect(item.expires_at).toBe(FIRST / 1000 + BATCH_EVENTS_TTL_SECONDS);
      // And again: nothing changes, nothing counts.
      expect(await ingestEvents(store, e, batch, RETRY + 1)).toEqual({ accepted: 0, duplicates: 8 });
    }
    // Most N fail after the batch exists: those are the resumes from stored events.
    expect(resumed).toBeGreaterThan(callsOfCleanDelivery / 2);
  }, 600_000);
});
