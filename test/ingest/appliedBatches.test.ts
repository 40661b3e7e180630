import { describe, expect, it } from "vitest";
import { APPLIED_LIMIT, appliedTags, batchTag, heldBatches, withApplied } from "../../lib/ingest/appliedBatches.js";
import type { BatchState, KeyedEvent } from "../../lib/ingest/applyEvents.js";
import { newUser } from "../../lib/ingest/applyEvents.js";
import { applyOverHeld } from "../../lib/ingest/applyOverHeld.js";

const id = (n: number) => `${n.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;

describe("an entity's applied list", () => {
  it("appends a write's batches, moves one named again to the end, and keeps the last APPLIED_LIMIT", () => {
    let stored: unknown;
    for (let n = 0; n < APPLIED_LIMIT + 3; n++) stored = withApplied(stored, [id(n)]);
    expect(appliedTags(stored)).toEqual(Array.from({ length: APPLIED_LIMIT }, (_, k) => batchTag(id(k + 3))));
    const again = withApplied(stored, [id(5), id(99)]);
    expect(appliedTags(again).slice(-2)).toEqual([batchTag(id(5)), batchTag(id(99))]);
    expect(appliedTags(again)).toHaveLength(APPLIED_LIMIT);
    expect(new Set(appliedTags(again)).size).toBe(APPLIED_LIMIT);
  });

  it("says which of a delivery's batches it holds; none for an item written before the list", () => {
    const stored = withApplied(withApplied(undefined, [id(1)]), [id(2), id(3)]);
    expect(heldBatches(stored, [id(3), id(4), id(1)])).toEqual(new Set([id(3), id(1)]));
    expect(heldBatches(undefined, [id(1)])).toEqual(new Set());
    expect(batchTag(id(1))).toHaveLength(12);
  });
});

describe("applyOverHeld", () => {
  const user = (first_name: string) => ({ ...newUser("u", 0), first_name, version: 3 });
  const loaded = (): BatchState => ({
    users: new Map([["u", { user: user("C"), memberships: new Map() }]]),
    orgs: new Map([
      ["o", { org_id: "o", name: "O", created_at: 0, first_active_at: 0, last_active_at: 0, version: 1 }],
    ]),
  });
  const event = (eventId: string, first_name: string, at: number): KeyedEvent =>
    ({ type: "user.updated", user_id: "u", first_name, at, eventId, eventKey: eventId }) as KeyedEvent;
  const added: KeyedEvent = {
    type: "org.member_added",
    org_id: "o",
    user_id: "u",
    at: 10,
    eventId: "a1",
    eventKey: "a1",
  } as KeyedEvent;
  const events = [added, event("a2", "A", 11), event("b1", "B", 30)];
  const batchOf = new Map([
    ["a1", "A"],
    ["a2", "A"],
    ["b1", "B"],
  ]);
  const none = { users: new Set<string>(), orgs: new Set<string>() };

  it("applies every event to an entity that holds none of the batches", () => {
    const effects = applyOverHeld(loaded(), events, batchOf, none, { users: new Map(), orgs: new Map() });
    expect(effects.state.users.get("u")?.user?.first_name).toBe("B");
    expect([...(effects.state.users.get("u")?.memberships.keys() ?? [])]).toEqual(["o"]);
  });

  it("applies only the other batches' events to an entity holding some", () => {
    const partlyHeld = { users: new Map([["u", new Set(["A"])]]), orgs: new Map() };
    const effects = applyOverHeld(loaded(), events, batchOf, none, partlyHeld);
    expect(effects.state.users.get("u")?.user?.first_name).toBe("B");
    expect(effects.state.users.get("u")?.memberships.size).toBe(0);
    // The held batch's records about the user were written by the delivery that applied it: not again.
    expect(effects.memberChanges).toEqual([]);
    const removal = { type: "org.member_removed", org_id: "o", user_id: "u", at: 31, eventId: "b2", eventKey: "b2" };
    const member = loaded();
    member.users.get("u")?.memberships.set("o", { org_id: "o", role: null, since: 10 });
    const withRemoval = applyOverHeld(
      member,
      [...events, removal as KeyedEvent],
      new Map([...batchOf, ["b2", "B"]]),
      none,
      partlyHeld,
    );
    expect(withRemoval.memberChanges.map((c) => [c.eventKey, c.item.change])).toEqual([["b2", "removed"]]);
    expect(effects.namedMemberships).toEqual([{ userId: "u", orgId: "o" }]);
  });

  it("leaves an entity holding every batch as stored", () => {
    const effects = applyOverHeld(
      loaded(),
      events,
      batchOf,
      { users: new Set(["u"]), orgs: new Set(["o"]) },
      {
        users: new Map(),
        orgs: new Map(),
      },
    );
    expect(effects.state.users.get("u")).toEqual(loaded().users.get("u"));
    expect(effects.state.orgs.get("o")).toEqual(loaded().orgs.get("o"));
    expect(effects.memberChanges).toEqual([]);
  });
});
