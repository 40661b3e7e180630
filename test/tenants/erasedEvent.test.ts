import { describe, expect, it } from "vitest";
import { applyEvents, type BatchState, type KeyedEvent } from "../../lib/ingest/applyEvents.js";
import { emailHash } from "../../lib/ingest/emailHash.js";
import type { IngestEvent } from "../../lib/ingest/schema.js";
import { validateEvents } from "../../lib/ingest/validate.js";

const empty = (): BatchState => ({ users: new Map(), orgs: new Map() });
let n = 0;
const ev = (event: IngestEvent): KeyedEvent => ({ ...event, eventKey: `k${n++}` });
const H = 3600_000;

describe("user.erased (the rules, no I/O)", () => {
  it("deletes the user, ends its memberships, drops every personal field, and nothing changes it afterwards", () => {
    const effects = applyEvents(empty(), [
      ev({
        type: "user.created",
        user_id: "u1",
        email: "a@b.c",
        username: "ann",
        first_name: "Ann",
        last_name: "Lee",
        profile: { city: "Paris" },
        signup_query_parameters: { ref: "x" },
        at: 1 * H,
      }),
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", at: 2 * H }),
      ev({ type: "user.erased", user_id: "u1", at: 3 * H }),
      ev({ type: "user.updated", user_id: "u1", email: "again@b.c", at: 4 * H }),
      ev({ type: "user.active", user_id: "u1", at: 5 * H }),
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", at: 6 * H }),
    ]);
    const state = effects.state.users.get("u1");
    expect(state?.user).toMatchObject({
      user_id: "u1",
      username: null,
      email: null,
      first_name: null,
      last_name: null,
      profile_json: "{}",
      signup_query_parameters_json: "{}",
      deleted_at: 3 * H,
      erased_at: 3 * H,
      created_at: 1 * H,
      last_active_at: 1 * H,
    });
    expect(state?.memberships.size).toBe(0);
    // Its history stays: the sign-up activity, the membership added and removed at the erasure.
    expect(effects.memberChanges.map((c) => [c.item.change, c.item.at])).toEqual([
      ["added", 2 * H],
      ["removed", 3 * H],
    ]);
    expect(effects.activity.filter((a) => a.kind === "user" && a.at > 3 * H)).toEqual([]);
  });

  it("erases an already deleted user's fields too, and only once", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "user.created", user_id: "u1", email: "a@b.c", at: 1 * H }),
      ev({ type: "user.deleted", user_id: "u1", at: 2 * H }),
      ev({ type: "user.erased", user_id: "u1", at: 3 * H }),
      ev({ type: "user.erased", user_id: "u1", at: 4 * H }),
    ]);
    expect(effects.state.users.get("u1")?.user).toMatchObject({ email: null, deleted_at: 2 * H, erased_at: 3 * H });
  });

  it("keeps the hash of every email the user had, and hands them to its erasure job", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "user.created", user_id: "u1", email: "Old@P.example", at: 1 * H }),
      ev({ type: "user.updated", user_id: "u1", email: "new@p.example", at: 2 * H }),
      ev({ type: "user.updated", user_id: "u1", email: " old@p.example", at: 3 * H }),
      ev({ type: "user.updated", user_id: "u1", email: null, at: 4 * H }),
    ]);
    const hashes = [emailHash("old@p.example"), emailHash("new@p.example")].sort();
    expect(effects.state.users.get("u1")?.user?.email_hashes).toEqual(hashes);
    expect(effects.erasures).toEqual([]);
    const erased = applyEvents(effects.state, [
      ev({ type: "user.erased", user_id: "u1", at: 5 * H }),
      ev({ type: "user.erased", user_id: "u1", at: 6 * H }),
    ]);
    expect(erased.erasures).toEqual([
      { userId: "u1", at: 5 * H, emailHashes: hashes },
      { userId: "u1", at: 6 * H, emailHashes: [] },
    ]);
    expect(erased.state.users.get("u1")?.user).not.toHaveProperty("email_hashes");
  });

  it("is a valid event type with a user_id", () => {
    expect(validateEvents([{ type: "user.erased", user_id: "u1" }], Date.now()).ok).toBe(true);
    const missing = validateEvents([{ type: "user.erased" }], Date.now());
    expect(missing.ok).toBe(false);
  });
});
