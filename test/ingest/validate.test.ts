import { describe, expect, it } from "vitest";
import type { HttpError } from "../../lib/http/types.js";
import { parseEventsBody } from "../../lib/ingest/ingestRoute.js";
import { parseOccurredAt } from "../../lib/ingest/occurredAt.js";
import { validateEvents } from "../../lib/ingest/validate.js";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");

function errorsOf(events: unknown[]) {
  const result = validateEvents(events, NOW);
  return result.ok ? [] : result.errors;
}

describe("occurred_at", () => {
  it.each([
    ["2026-03-01T11:00:00.000Z", Date.parse("2026-03-01T11:00:00.000Z")],
    ["2026-03-01T11:00:00Z", Date.parse("2026-03-01T11:00:00Z")],
    ["2026-03-01T13:00:00+02:00", Date.parse("2026-03-01T11:00:00Z")],
    ["2026-03-01", Date.parse("2026-03-01T00:00:00Z")],
    ["2024-02-29T23:59:59.999Z", Date.parse("2024-02-29T23:59:59.999Z")],
    [1772000000, 1772000000 * 1000],
    [undefined, NOW],
  ])("accepts %s", (value, expected) => {
    expect(parseOccurredAt(value, NOW)).toBe(expected);
  });

  it.each([
    ["yesterday"],
    ["2023-02-30T00:00:00Z"],
    ["2026-13-01"],
    [1.5],
    [-1],
    [true],
    [{}],
    ["2026-03-01T12:06:00Z"],
  ])("rejects %s", (value) => {
    expect(typeof parseOccurredAt(value, NOW)).toBe("object");
  });

  it("allows up to 5 minutes in the future, not more", () => {
    expect(parseOccurredAt(new Date(NOW + 300_000).toISOString(), NOW)).toBe(NOW + 300_000);
    expect(parseOccurredAt(new Date(NOW + 300_001).toISOString(), NOW)).toEqual({
      error: "must not be more than 5 minutes in the future",
    });
  });
});

describe("validateEvents", () => {
  it("tells a missing field (is required) from one of the wrong type (what it must be)", () => {
    const told = (event: unknown) => errorsOf([event]).map(({ field, message }) => `${field}: ${message}`);
    expect(told({ type: "user.created" })).toEqual(["user_id: is required"]);
    expect(told({ type: "user.created", user_id: 5 })).toEqual(["user_id: must be a string"]);
    expect(told({ type: "user.created", user_id: "a", email: 5 })).toEqual(["email: must be a string or null"]);
    expect(told({ type: "user.created", user_id: "a", profile: null })).toEqual(["profile: must be an object"]);
    expect(told({ type: "user.created", user_id: "a", event_id: null })).toEqual(["event_id: must be a string"]);
    expect(told({ type: "org.created", org_id: "o" })).toEqual(["name: is required"]);
  });

  it("parses every event type", () => {
    const result = validateEvents(
      [
        { type: "user.created", user_id: "u", username: "n", profile: { a: 1 }, signup_query_parameters: { utm: "x" } },
        { type: "user.updated", user_id: "u", email: null },
        { type: "user.deleted", user_id: "u" },
        { type: "user.active", user_id: "u", event_id: "e1" },
        { type: "user.invited", user_id: "u", invitee_email: "a@b.co", org_id: "o" },
        { type: "org.created", org_id: "o", name: "O" },
        { type: "org.updated", org_id: "o", name: "O2" },
        { type: "org.member_added", org_id: "o", user_id: "u", role: "admin" },
        { type: "org.member_removed", org_id: "o", user_id: "u" },
      ],
      NOW,
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.events.map((e) => e.type)).toHaveLength(9);
      expect(result.events[3]?.eventId).toBe("e1");
      expect(result.events.every((e) => e.at === NOW)).toBe(true);
    }
  });

  it.each([
    [{ type: "user.exploded", user_id: "u" }, "type"],
    [{ user_id: "u" }, "type"],
    [{ type: "user.active" }, "user_id"],
    [{ type: "user.active", user_id: "" }, "user_id"],
    [{ type: "user.active", user_id: 7 }, "user_id"],
    [{ type: "user.active", user_id: "u", occurred_at: "soon" }, "occurred_at"],
    [{ type: "user.active", user_id: "u", event_id: "x".repeat(257) }, "event_id"],
    [{ type: "user.active", user_id: "u", event_id: "é".repeat(129) }, "event_id"],
    [{ type: "user.active", user_id: "u", event_id: "a\u0000b" }, "event_id"],
    [{ type: "user.active", user_id: "a".repeat(2100) }, "user_id"],
    [{ type: "user.active", user_id: "é".repeat(129) }, "user_id"],
    [{ type: "user.active", user_id: "a\u007fb" }, "user_id"],
    [{ type: "user.active", user_id: "a\ud800" }, "user_id"],
    [{ type: "org.created", org_id: "o".repeat(257), name: "O" }, "org_id"],
    [{ type: "org.created", org_id: "o", name: "bad \udc00" }, "name"],
    [{ type: "user.created", user_id: "u", profile: nested(11) }, "profile"],
    [{ type: "user.created", user_id: "u", profile: ownProto(nested(33)) }, "profile"],
    [{ type: "user.created", user_id: "u", profile: { big: "x".repeat(32 * 1024) } }, "profile"],
    [{ type: "user.created", user_id: "u", profile: { "\ud800": 1 } }, "profile"],
    [{ type: "user.created", user_id: "u", signup_query_parameters: manyParameters(51) }, "signup_query_parameters"],
    [
      { type: "user.created", user_id: "u", signup_query_parameters: { a: "x".repeat(1025) } },
      "signup_query_parameters",
    ],
    [
      { type: "user.created", user_id: "u", signup_query_parameters: { ["k".repeat(257)]: "v" } },
      "signup_query_parameters",
    ],
    [{ type: "user.created", user_id: "u", signup_query_parameters: ownProto(1) }, "signup_query_parameters"],
    [{ type: "user.active", user_id: "u", event_id: 5 }, "event_id"],
    [{ type: "user.created", user_id: "u", profile: "p" }, "profile"],
    [{ type: "user.created", user_id: "u", signup_query_parameters: { a: 1 } }, "signup_query_parameters.a"],
    [{ type: "user.created", user_id: "u", email: 3 }, "email"],
    [{ type: "user.invited", user_id: "u" }, "invitee_email"],
    [{ type: "user.invited", user_id: "u", invitee_email: "nope" }, "invitee_email"],
    [{ type: "org.created", org_id: "o" }, "name"],
    [{ type: "org.member_added", user_id: "u" }, "org_id"],
    [{ type: "org.member_removed", org_id: "o" }, "user_id"],
    ["not an object", "event"],
  ])("reports %j at field %s", (event, field) => {
    const errors = errorsOf([{ type: "user.active", user_id: "ok" }, event]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.index === 1)).toBe(true);
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.every((e) => typeof e.message === "string" && e.message.length > 0)).toBe(true);
  });

  it("accepts every limit exactly, and keeps keys that are special in JavaScript as sent", () => {
    const raw = JSON.parse(
      JSON.stringify({
        type: "user.created",
        user_id: "é".repeat(128),
        event_id: "x".repeat(256),
        profile: { deep: nested(9), pad: "p".repeat(32 * 1024 - 200) },
        signup_query_parameters: { ...manyParameters(49), ["k".repeat(256)]: "v".repeat(1024) },
      }).replace('"deep"', '"__proto__":{"constructor":1},"deep"'),
    );
    const result = validateEvents([raw], NOW);
    expect(result.ok).toBe(true);
    const event = result.ok ? (result.events[0] as { profile: object; signup_query_parameters: object }) : undefined;
    expect(Object.keys(event?.profile ?? {})).toEqual(["__proto__", "deep", "pad"]);
    expect(JSON.stringify(event?.profile)).toContain('"__proto__":{"constructor":1}');
    expect(Object.keys(event?.signup_query_parameters ?? {})).toHaveLength(50);
  });

  it("reports every bad event of the batch, not only the first", () => {
    const errors = errorsOf([{ type: "user.active" }, { type: "user.active", user_id: "u" }, { type: "x" }]);
    expect(errors.map((e) => e.index)).toEqual([0, 2]);
  });
});

/** `{"a": {"a": … {}}}`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** An object whose own key is `__proto__`, as JSON.parse makes it from a request body (a literal can't). */
function ownProto(value: unknown): Record<string, unknown> {
  return JSON.parse(`{"__proto__": ${JSON.stringify(value)}}`);
}

function manyParameters(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, "v"]));
}

describe("request body", () => {
  const status = (body: string | null) => {
    try {
      parseEventsBody(body);
      return 200;
    } catch (error) {
      return [(error as HttpError).statusCode, (error as HttpError).body];
    }
  };
  it("answers the contract's errors for malformed and oversized bodies", () => {
    expect(status("{nope")).toEqual([400, { error: "invalid_json" }]);
    expect(status(null)).toEqual([400, { error: "invalid_json" }]);
    expect((status("{}") as unknown[])[0]).toBe(400);
    expect((status('{"events": []}') as unknown[])[0]).toBe(400);
    const many = JSON.stringify({
      events: Array.from({ length: 1001 }, () => ({ type: "user.active", user_id: "u" })),
    });
    expect(status(many)).toEqual([413, { error: "payload_too_large" }]);
    const huge = JSON.stringify({ events: [{ type: "user.active", user_id: "u", pad: "x".repeat(1024 * 1024) }] });
    expect(status(huge)).toEqual([413, { error: "payload_too_large" }]);
    expect(status(JSON.stringify({ events: [{ type: "user.active", user_id: "u" }] }))).toBe(200);
  });
});
