import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

/**
 * Issue 21's budget, "nothing to the events that don't open a new user-hour": a request whose events all fall in
 * clock hours their users already hold (on a live day and on an old one) writes no hour-count item (`HC`) and no
 * generation (`HCGEN`); the request that opened those hours wrote both (so the check can fail).
 */

const NOW = Date.parse("2026-03-10T15:00:00Z");
const OLD_DAY = "2026-02-20";
const LIVE_DAY = "2026-03-10";

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

/** The partition keys of every item a command writes. */
function writtenKeys(input: Record<string, unknown>): string[] {
  const pkOf = (x: unknown) => String((x as { pk?: unknown } | undefined)?.pk);
  const keys: string[] = [];
  for (const t of (input.TransactItems ?? []) as Record<string, Record<string, unknown>>[])
    for (const body of Object.values(t)) keys.push(pkOf(body.Key ?? body.Item));
  type WriteRequest = { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } };
  for (const list of Object.values((input.RequestItems ?? {}) as Record<string, WriteRequest[] | object>))
    if (Array.isArray(list)) for (const r of list) keys.push(pkOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
  if (input.Item) keys.push(pkOf(input.Item));
  else if (input.Key && input.UpdateExpression) keys.push(pkOf(input.Key));
  return keys;
}

/** Ingests `events` at `now`, returning the hour-level partitions (`#HC`, `#HCGEN`) its writes touched. */
async function hourWritesOf(e: string, events: unknown[], now: number): Promise<string[]> {
  const touched: string[] = [];
  const watched = interceptedStore(store, (command, send) => {
    const name = command.constructor.name;
    if (/^(TransactWrite|BatchWrite|Put|Update)Command$/.test(name))
      touched.push(...writtenKeys(command.input as Record<string, unknown>).filter((pk) => /#HC(GEN)?$/.test(pk)));
    return send();
  });
  try {
    await ingestEvents(watched, e, events, now);
  } finally {
    watched.doc.destroy();
  }
  return touched.map((pk) => pk.replace(e, "{E}")).sort();
}

const active = (id: string, at: string) => ({ type: "user.active", user_id: "u", occurred_at: at, event_id: id });

describe("a request whose events open no new user-hour", () => {
  it("writes no hour counts and no generation, on a live day or an old one", async () => {
    const { environment_id: e } = await createEnvironment(store, "no-new-hour");
    const opening = [
      active("a1", `${OLD_DAY}T10:05:00Z`),
      active("a2", `${OLD_DAY}T10:50:00Z`),
      active("a3", `${LIVE_DAY}T09:10:00Z`),
      active("a4", `${LIVE_DAY}T09:40:00Z`),
    ];
    // The sign-up (at the first event) and each new hour: the live day's counts, the old day's generation.
    expect(await hourWritesOf(e, opening, NOW)).toEqual(["E#{E}#HC", "E#{E}#HCGEN"]);
    // Inside hours already held, in time order or not, on both days; and a later instant of the live day's hour.
    const repeats = [
      active("b1", `${OLD_DAY}T10:20:00Z`),
      active("b2", `${LIVE_DAY}T09:30:00Z`),
      active("b3", `${OLD_DAY}T10:30:00Z`),
      active("b4", `${LIVE_DAY}T09:55:00Z`),
    ];
    expect(await hourWritesOf(e, repeats, NOW + 60_000)).toEqual([]);
    // A new hour of the old day (a late event) bumps its generation again; nothing else.
    expect(await hourWritesOf(e, [active("c1", `${OLD_DAY}T11:00:00Z`)], NOW + 120_000)).toEqual(["E#{E}#HCGEN"]);
  });
});
