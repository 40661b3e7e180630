import { describe, expect, it } from "vitest";
import { createEnvironment } from "../../lib/auth/credentials.js";
import { emailHash } from "../../lib/ingest/emailHash.js";
import { ingestEvents } from "../../lib/ingest/ingest.js";
import { runErasureJob } from "../../lib/tenants/erasureJob.js";
import { interceptedStore } from "../helpers/intercept.js";
import { testStore } from "../helpers/store.js";
import { environmentItems } from "../helpers/tableItems.js";

/**
 * `user.erased` exactly once (as test/ingest/everyFailure.suite.ts does for the other event types): a batch that
 * changes a user's email, invites the new address and erases the user, delivered with its Nth storage call applied
 * and then failing (a crash), for every N, then sent again: the tables must equal one clean delivery's — in
 * particular the erasure job recorded by the first attempt, with the hashes of both emails, which the retry (whose
 * pre-image of the user no longer has them) must not replace.
 */

const T0 = Date.UTC(2026, 10, 20, 12);
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();
const setup = [
  { type: "user.invited", user_id: "bob", invitee_email: "p@x.test", occurred_at: at(1) },
  { type: "user.created", user_id: "p", email: "p@x.test", occurred_at: at(2) },
];
const batch = [
  { type: "user.updated", user_id: "p", email: "p2@x.test", occurred_at: at(3), event_id: "e1" },
  { type: "user.invited", user_id: "bob", invitee_email: "p2@x.test", occurred_at: at(4), event_id: "e2" },
  { type: "user.erased", user_id: "p", occurred_at: at(5), event_id: "e3" },
];

describe("user.erased under every failure", () => {
  it("records its job once, with every email's hash, whichever storage call crashed", async () => {
    const store = await testStore();
    const environment = async (name: string) => {
      const { environment_id } = await createEnvironment(store, name);
      await ingestEvents(store, environment_id, setup, T0 + 86_400_000);
      return environment_id;
    };
    const cleanEnv = await environment("clean");
    let calls = 0;
    const counting = interceptedStore(store, (_command, send) => {
      calls += 1;
      return send();
    });
    await ingestEvents(counting, cleanEnv, batch, T0 + 86_400_000);
    const clean = await environmentItems(store, cleanEnv);
    expect(clean.join("\n")).toContain(JSON.stringify([emailHash("p2@x.test"), emailHash("p@x.test")].sort()));

    for (let nth = 1; nth <= calls; nth++) {
      const e = await environment(`crash-${nth}`);
      let n = 0;
      const crashing = interceptedStore(store, (_command, send) =>
        ++n === nth ? send().then(() => Promise.reject(new Error("injected: crash after the write"))) : send(),
      );
      await ingestEvents(crashing, e, batch, T0 + 86_400_000).catch(() => undefined);
      await ingestEvents(store, e, batch, T0 + 86_400_000);
      expect({ nth, tables: await environmentItems(store, e) }).toEqual({ nth, tables: clean });
    }
    // And the job then finds both invites by key.
    expect(await runErasureJob(store, cleanEnv, "p", { settle: false })).toMatchObject({ done: true, invites: 2 });
    expect((await environmentItems(store, cleanEnv)).join("\n")).not.toMatch(/p2?@x\.test/);
  }, 900_000);
});
