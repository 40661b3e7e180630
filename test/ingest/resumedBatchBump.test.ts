import { BatchGetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { hourCountsOfDays } from "../../lib/dashboard/storage.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import type { Store } from "../../lib/storage/client.js";
import { gate } from "../helpers/gate.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";

/**
 * The race lib/ingest/hourGenerations.ts used to leave open: a delivery claims its whole batch first (so it sees
 * itself as a first delivery), then waits; a concurrent delivery of the same batch opens a clock hour of an old day
 * and dies before its generation bump; a third batch widens both of that hour's bounds (so it doesn't see the hour
 * as possibly new, and doesn't bump either); the first delivery then writes its member, finds the hour held with
 * bounds none of its own, and would not bump: the day's hour counts would lack that user-hour. A resuming delivery
 * now marks the batch before its members, and a delivery reads the mark after its own members: here it bumps.
 */

const NOW = Date.parse("2026-03-10T15:00:00Z");
const OLD_DAY = "2026-02-20";

let store: Store;
beforeAll(async () => {
  store = await testStore();
});

const active = (id: string, at: string) => ({ type: "user.active", user_id: "u", occurred_at: at, event_id: id });

describe("a batch resumed by a concurrent delivery that died before its bump", () => {
  it("still gets its old day bumped, so the day's hour counts hold the user-hour", async () => {
    const { environment_id: e } = await createEnvironment(store, "resumed-bump");
    await ingestEvents(
      store,
      e,
      [{ type: "user.created", user_id: "u", occurred_at: "2026-02-10T09:00:00Z", event_id: "c" }],
      NOW,
    );
    const batch = [active("b1", `${OLD_DAY}T10:20:00Z`)];

    // First delivery: claims its batch, then waits before reading its day members.
    const beforeMembers = gate();
    const first = interceptedStore(store, async (command, send) => {
      const reads = (command.input as { RequestItems?: Record<string, unknown> }).RequestItems ?? {};
      if (command instanceof BatchGetCommand && store.tables.activity in reads) await beforeMembers.wait();
      return send();
    });
    const firstDelivery = ingestEvents(first, e, batch, NOW);
    await beforeMembers.reached;

    // A concurrent delivery of the same batch: writes the member (opening hour 10), dies at its bump.
    const dying = interceptedStore(store, async (command, send) => {
      const key = (command.input as { Key?: { pk?: string } }).Key;
      if (command instanceof UpdateCommand && String(key?.pk).endsWith("#HCGEN")) throw new Error("killed");
      return send();
    });
    await expect(ingestEvents(dying, e, batch, NOW)).rejects.toThrow("killed");

    // A third batch widens both bounds of that hour.
    await ingestEvents(store, e, [active("c1", `${OLD_DAY}T10:05:00Z`), active("c2", `${OLD_DAY}T10:50:00Z`)], NOW);

    beforeMembers.release();
    expect(await firstDelivery).toEqual({ accepted: 1, duplicates: 0 });
    for (const s of [first, dying]) s.doc.destroy();

    const [counts] = await hourCountsOfDays(store, e, OLD_DAY, OLD_DAY, Number.POSITIVE_INFINITY, NOW);
    expect(counts?.hours).toEqual(new Map([[10, 1]]));
  });
});
