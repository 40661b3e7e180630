import { describe, expect, it } from "vitest";
import { validateEvents } from "../../lib/ingest/validate.js";
import { eventIdOf, messageIdBase } from "../../lib/segment/eventIds.js";
import { mapMessage } from "../../lib/segment/mapMessage.js";
import { idProblem } from "../../lib/validation/ids.js";

/** The events of one message (as mapMessage gives them), failing the test if it was refused. */
function eventsOf(message: unknown, routeType?: Parameters<typeof mapMessage>[1], sentAt?: unknown) {
  const mapped = mapMessage(message, routeType, sentAt);
  if (!mapped.ok) throw new Error(`refused: ${mapped.field} ${mapped.message}`);
  return mapped.events.map((m) => m.event);
}

const NOW = Date.parse("2026-12-01T12:00:00Z");

describe("Segment messages as events (CONTRACT §11)", () => {
  it("identify: user.created with its fields, other traits as profile, campaign as sign-up parameters, createdAt", () => {
    const events = eventsOf({
      type: "identify",
      userId: "u1",
      messageId: "m1",
      timestamp: "2026-11-30T10:00:00Z",
      traits: {
        email: "ada@example.com",
        username: "ada",
        firstName: "Ada",
        last_name: "Lovelace",
        plan: "pro",
        createdAt: "2026-01-02T03:04:05Z",
      },
      context: { campaign: { name: "spring", source: "ad", medium: "cpc", term: "t", content: "c", other: "x" } },
    });
    expect(events).toEqual([
      {
        type: "user.created",
        user_id: "u1",
        email: "ada@example.com",
        username: "ada",
        first_name: "Ada",
        last_name: "Lovelace",
        profile: { plan: "pro" },
        signup_query_parameters: {
          utm_campaign: "spring",
          utm_source: "ad",
          utm_medium: "cpc",
          utm_term: "t",
          utm_content: "c",
        },
        occurred_at: "2026-01-02T03:04:05Z",
        event_id: "m1",
      },
    ]);
    const validated = validateEvents(events, NOW);
    expect(validated.ok && validated.events[0]?.at).toBe(Date.parse("2026-01-02T03:04:05Z"));
  });

  it("identify without other traits leaves the profile alone; `__proto__` traits stay ordinary keys", () => {
    expect(eventsOf({ type: "identify", userId: "u1", traits: { email: "a@b.c" } })[0]).not.toHaveProperty("profile");
    const message = JSON.parse('{"type":"identify","userId":"u1","traits":{"__proto__":{"x":1},"constructor":2}}');
    const profile = eventsOf(message)[0]?.profile as Record<string, unknown>;
    expect(Object.keys(profile).sort()).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(profile)).toBe(Object.prototype);
  });

  it("track, page, screen: user.active at timestamp, else the message's sentAt, else the batch's", () => {
    for (const type of ["track", "page", "screen"] as const) {
      expect(eventsOf({ type, userId: "u1", messageId: "m", timestamp: "2026-11-01T00:00:00Z" })).toEqual([
        { type: "user.active", user_id: "u1", occurred_at: "2026-11-01T00:00:00Z", event_id: "m" },
      ]);
    }
    expect(eventsOf({ type: "track", userId: "u1", sentAt: "2026-11-02T00:00:00Z" }, undefined, "x")[0]).toMatchObject({
      occurred_at: "2026-11-02T00:00:00Z",
    });
    // A single-message route: the message's own type if it names one (webhook destinations), else the route's.
    expect(eventsOf({ type: "identify", userId: "u1" }, "track")[0]).toMatchObject({ type: "user.created" });
    expect(eventsOf({ userId: 42 }, "page", "2026-11-03T00:00:00Z")[0]).toEqual({
      type: "user.active",
      user_id: "42",
      occurred_at: "2026-11-03T00:00:00Z",
    });
  });

  it("Invite Sent: also user.invited (invitee_email, the account as org), with a derived id", () => {
    const events = eventsOf({
      type: "track",
      event: "Invite Sent",
      userId: "u1",
      messageId: "m2",
      properties: { invitee_email: "grace@example.com" },
      context: { groupId: "acme" },
    });
    expect(events).toEqual([
      { type: "user.active", user_id: "u1", event_id: "m2" },
      {
        type: "user.invited",
        user_id: "u1",
        invitee_email: "grace@example.com",
        org_id: "acme",
        event_id: "m2#invite",
      },
    ]);
    const withoutAccount = eventsOf({ type: "track", event: "Invite Sent", userId: "u1", properties: {} });
    expect(withoutAccount[1]).toEqual({ type: "user.invited", user_id: "u1", invitee_email: undefined });
    // A missing invitee_email is the event's validation error, named by the message's field (segmentRoute.ts).
    expect(validateEvents(withoutAccount, NOW)).toMatchObject({
      ok: false,
      errors: [{ index: 1, field: "invitee_email", message: "is required" }],
    });
  });

  it("Account Added / Removed User: org.member_added (role) / removed, from context.groupId or account_id", () => {
    expect(
      eventsOf({
        type: "track",
        event: "Account Added User",
        userId: "u1",
        messageId: "m3",
        properties: { role: "Admin", account_id: "ignored" },
        context: { groupId: "acme" },
      }),
    ).toEqual([
      { type: "user.active", user_id: "u1", event_id: "m3" },
      { type: "org.member_added", org_id: "acme", user_id: "u1", role: "Admin", event_id: "m3#member_added" },
    ]);
    expect(
      eventsOf({ type: "track", event: "Account Removed User", userId: "u1", properties: { account_id: "acme" } })[1],
    ).toEqual({ type: "org.member_removed", org_id: "acme", user_id: "u1" });
    expect(mapMessage({ type: "track", event: "Account Removed User", userId: "u1" }, undefined, undefined)).toEqual({
      ok: false,
      field: "context.groupId",
      message: 'is required for "Account Removed User" (or properties.account_id)',
    });
  });

  it("group: org.created (name) then org.member_added (role); without a name only the membership", () => {
    expect(
      eventsOf({
        type: "group",
        userId: "u1",
        groupId: "acme",
        messageId: "m4",
        traits: { name: "Acme", role: "Owner" },
      }),
    ).toEqual([
      { type: "org.created", org_id: "acme", name: "Acme", event_id: "m4" },
      { type: "org.member_added", org_id: "acme", user_id: "u1", role: "Owner", event_id: "m4#member" },
    ]);
    expect(eventsOf({ type: "group", userId: "u1", groupId: 7 })).toEqual([
      { type: "org.member_added", org_id: "7", user_id: "u1" },
    ]);
    expect(mapMessage({ type: "group", userId: "u1" }, undefined, undefined)).toMatchObject({
      ok: false,
      field: "groupId",
    });
  });

  it("ignores anonymous messages and aliases; refuses what is not a message", () => {
    expect(eventsOf({ type: "track", anonymousId: "a1", event: "Invite Sent" })).toEqual([]);
    expect(eventsOf({ type: "alias", userId: "u1", previousId: "a1" })).toEqual([]);
    expect(mapMessage("x", undefined, undefined)).toMatchObject({ ok: false, message: "must be an object" });
    expect(mapMessage({ type: "nope", userId: "u" }, undefined, undefined)).toMatchObject({ ok: false, field: "type" });
    expect(mapMessage({ type: "track", userId: { a: 1 } }, undefined, undefined)).toMatchObject({
      ok: false,
      field: "userId",
    });
  });
});

describe("event ids derived from messageId", () => {
  it("are the messageId and {messageId}#role when storable, else a hash, always within the id rule", () => {
    expect(eventIdOf("m1")).toBe("m1");
    expect(eventIdOf("m1", "invite")).toBe("m1#invite");
    for (const messageId of ["x".repeat(256), "é".repeat(200), "a\u0000b", "x".repeat(5000)]) {
      const base = messageIdBase(messageId);
      expect(base).toMatch(/^segment-sha256:[0-9a-f]{64}$/);
      for (const role of [undefined, "invite", "member_added", "member_removed", "member"] as const) {
        expect(idProblem(eventIdOf(messageId, role))).toBeUndefined();
      }
    }
    // Deterministic, and distinct messageIds stay distinct.
    expect(eventIdOf("x".repeat(300), "invite")).toBe(eventIdOf("x".repeat(300), "invite"));
    expect(eventIdOf("x".repeat(300))).not.toBe(eventIdOf("x".repeat(301)));
    // A messageId that fits alone but not with the longest suffix is hashed for all its events alike.
    expect(eventIdOf("y".repeat(250))).toBe(messageIdBase("y".repeat(250)));
  });
});
