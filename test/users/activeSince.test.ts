import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { HOUR_MS } from "../../lib/time.js";
import { countUsersActiveSince } from "../../lib/users/storage.js";
import { testStore } from "../helpers/store.js";

/**
 * `days=N` from the per-hour last-activity counters plus the partial hour: equal to counting every current user's
 * latest activity, for boundaries on, just before and just after an hour and a user's instant; with users whose
 * latest activity moved to another hour, and deleted users.
 */

let store: Store;
let environmentId: string;
const NOW = Math.floor(Date.now() / 1000) * 1000;
/** Latest activity of each current user, as ingested below. */
const latest = new Map<string, number>();

beforeAll(async () => {
  store = await testStore();
  ({ environment_id: environmentId } = await createEnvironment(store, "active-since"));
  const events: object[] = [];
  const at = (ms: number) => new Date(ms).toISOString();
  for (let i = 0; i < 40; i++) {
    const created = NOW - (i * 7 + 3) * HOUR_MS - i * 61_000;
    events.push({ type: "user.created", user_id: `u${i}`, occurred_at: at(created), event_id: `c${i}` });
    latest.set(`u${i}`, created);
    if (i % 3 === 0) {
      // Active again later: it leaves its sign-up hour for a later one.
      const again = created + (i % 5) * HOUR_MS + 1;
      events.push({ type: "user.active", user_id: `u${i}`, occurred_at: at(again), event_id: `a${i}` });
      latest.set(`u${i}`, again);
    }
    if (i % 7 === 0) {
      events.push({ type: "user.deleted", user_id: `u${i}`, occurred_at: at(NOW - 1000), event_id: `d${i}` });
      latest.delete(`u${i}`);
    }
  }
  await ingestEvents(store, environmentId, events, NOW);
});

const bruteForce = (since: number) => [...latest.values()].filter((t) => t >= since).length;

describe("users active since an instant", () => {
  it("equals the count of every current user's latest activity, at every kind of boundary", async () => {
    const boundaries = new Set<number>([NOW - 400 * 24 * HOUR_MS, NOW + HOUR_MS]);
    for (const t of latest.values()) {
      for (const d of [-1, 0, 1]) boundaries.add(t + d);
      const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
      for (const d of [-1, 0, 1]) boundaries.add(hour + d);
    }
    for (const since of boundaries) {
      expect({ since, count: await countUsersActiveSince(store, environmentId, since) }).toEqual({
        since,
        count: bruteForce(since),
      });
    }
    expect(bruteForce(NOW - 400 * 24 * HOUR_MS)).toBeGreaterThan(20);
  }, 120_000);
});
