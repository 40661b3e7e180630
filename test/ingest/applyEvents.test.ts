import { describe, expect, it } from "vitest";
import { applyEvents, type BatchState, type KeyedEvent } from "../../lib/ingest/applyEvents.js";
import type { IngestEvent } from "../../lib/ingest/schema.js";

const empty = (): BatchState => ({ users: new Map(), orgs: new Map() });
let n = 0;
const ev = (event: IngestEvent): KeyedEvent => ({ ...event, eventKey: `k${n++}` });
const H = 3600_000;

describe("applyEvents (CONTRACT §3 rules, no I/O)", () => {
  it("creates unknown users implicitly, active at their creation", () => {
    const effects = applyEvents(empty(), [ev({ type: "user.active", user_id: "u1", at: 5 * H })]);
    const user = effects.state.users.get("u1")?.user;
    expect(user?.created_at).toBe(5 * H);
    expect(user?.last_active_at).toBe(5 * H);
    expect(effects.activity).toEqual([
      { kind: "user", id: "u1", at: 5 * H },
      { kind: "user", id: "u1", at: 5 * H },
    ]);
  });

  it("moves created_at to the earlier of two creations and records that sign-up as activity", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "user.created", user_id: "u1", username: "late", at: 10 * H }),
      ev({ type: "user.created", user_id: "u1", email: "a@b.c", at: 2 * H }),
      ev({ type: "user.created", user_id: "u1", at: 20 * H }),
    ]);
    const user = effects.state.users.get("u1")?.user;
    expect(user?.created_at).toBe(2 * H);
    expect(user?.first_active_at).toBe(2 * H);
    expect(user?.last_active_at).toBe(10 * H);
    expect(user?.username).toBe("late");
    expect(user?.email).toBe("a@b.c");
  });

  it("keeps last_modified at the latest change's instant when changes arrive out of order", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "user.active", user_id: "u1", at: 30 * H }),
      ev({ type: "user.created", user_id: "u1", at: 50 * H }),
      ev({ type: "user.updated", user_id: "u1", first_name: "Bee", at: 5 * H }),
    ]);
    const user = effects.state.users.get("u1")?.user;
    expect(user?.first_name).toBe("Bee"); // fields: the last processed change
    expect(user?.last_modified).toBe(50 * H);
    const created = applyEvents(empty(), [
      ev({ type: "user.created", user_id: "u2", at: 40 * H }),
      ev({ type: "user.created", user_id: "u2", at: 10 * H }),
    ]).state.users.get("u2")?.user;
    expect(created?.created_at).toBe(10 * H);
    expect(created?.last_modified).toBe(40 * H); // an earlier sign-up moves created_at, not the latest change back
  });

  it("counts activity for the orgs the user belongs to at that moment only", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "user.active", user_id: "u1", at: 1 * H }),
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", role: "admin", at: 2 * H }),
      ev({ type: "user.active", user_id: "u1", at: 3 * H }),
      ev({ type: "org.member_removed", org_id: "o1", user_id: "u1", at: 4 * H }),
      ev({ type: "user.active", user_id: "u1", at: 5 * H }),
    ]);
    const orgActivity = effects.activity.filter((a) => a.kind === "org").map((a) => a.at);
    // o1 is active at its implicit creation (2h) and at u1's activity while a member (3h).
    expect(orgActivity).toEqual([2 * H, 3 * H]);
    expect(effects.memberChanges.map((c) => c.item.change)).toEqual(["added", "removed"]);
    expect(effects.state.users.get("u1")?.memberships.size).toBe(0);
  });

  it("ignores adding a current member and removing a non-member", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", at: 1 * H }),
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", role: "x", at: 2 * H }),
      ev({ type: "org.member_removed", org_id: "o2", user_id: "u1", at: 3 * H }),
    ]);
    expect(effects.memberChanges).toHaveLength(1);
    expect(effects.state.users.get("u1")?.memberships.get("o1")?.role).toBeNull();
  });

  it("ends memberships at deletion, each a removal, and ignores later events about the user", () => {
    const effects = applyEvents(empty(), [
      ev({ type: "org.member_added", org_id: "o2", user_id: "u1", at: 1 * H }),
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", at: 1 * H }),
      ev({ type: "user.deleted", user_id: "u1", at: 2 * H }),
      ev({ type: "user.active", user_id: "u1", at: 3 * H }),
      ev({ type: "user.updated", user_id: "u1", username: "ghost", at: 3 * H }),
      ev({ type: "user.invited", user_id: "u1", invitee_email: "x@y.z", at: 3 * H }),
      ev({ type: "org.member_added", org_id: "o1", user_id: "u1", at: 4 * H }),
    ]);
    const user = effects.state.users.get("u1")?.user;
    expect(user?.deleted_at).toBe(2 * H);
    expect(user?.username).toBeNull();
    expect(user?.last_active_at).toBe(1 * H);
    expect(effects.invites).toHaveLength(0);
    expect(effects.memberChanges.map((c) => [c.item.change, c.item.org_id, c.item.at])).toEqual([
      ["added", "o2", 1 * H],
      ["added", "o1", 1 * H],
      ["removed", "o1", 2 * H],
      ["removed", "o2", 2 * H],
    ]);
  });

  it("does not change the state it was given", () => {
    const loaded = empty();
    loaded.users.set("u1", { user: undefined, memberships: new Map() });
    applyEvents(loaded, [ev({ type: "user.created", user_id: "u1", at: H })]);
    expect(loaded.users.get("u1")?.user).toBeUndefined();
  });
});
