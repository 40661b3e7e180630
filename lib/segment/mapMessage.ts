import { type DerivedRole, eventIdOf } from "./eventIds.js";

/**
 * Segment's tracking messages (identify, track, page, screen, group, alias) as the events of CONTRACT §2, per the
 * mapping table of §11, as a pure function: no I/O, no validation beyond the message's shape. The events it gives
 * are raw §2 events, validated by the same code as `POST /api/backend/v1/events` (lib/ingest/validate.ts), so what
 * Segment ingestion accepts is exactly what native ingestion accepts.
 *
 * Each event also says where its fields came from in the message (`sources`), so a validation error can name the
 * message's own field (`batch[3].traits.email`) rather than the event's.
 */

export const SEGMENT_TYPES = ["identify", "track", "page", "screen", "group", "alias"] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** Segment's B2B SaaS spec events that mean more than activity (§11). */
export const INVITE_SENT = "Invite Sent";
export const ACCOUNT_ADDED_USER = "Account Added User";
export const ACCOUNT_REMOVED_USER = "Account Removed User";

/** `context.campaign` keys → sign-up query parameters (§11). */
const CAMPAIGN_PARAMETERS: Record<string, string> = {
  name: "utm_campaign",
  source: "utm_source",
  medium: "utm_medium",
  term: "utm_term",
  content: "utm_content",
};

/** Traits that become `user.created` fields; every other trait (but `createdAt`) goes to `profile`. */
const TRAIT_FIELDS: Record<string, string> = {
  email: "email",
  username: "username",
  firstName: "first_name",
  first_name: "first_name",
  lastName: "last_name",
  last_name: "last_name",
};

export interface MappedEvent {
  /** A raw event of CONTRACT §2. */
  event: Record<string, unknown>;
  /** Event field → the message field it came from (for error messages). */
  sources: Record<string, string>;
}

export type Mapped =
  | { ok: true; events: MappedEvent[] }
  /** The message can't be a Segment message (names the field and why). */
  | { ok: false; field: string; message: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Segment ids may be sent as numbers; anything else that isn't a string is not an id. */
function idOf(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function signupParameters(campaign: unknown): Json | undefined {
  if (!isObject(campaign)) return undefined;
  const parameters: Json = {};
  for (const [key, parameter] of Object.entries(CAMPAIGN_PARAMETERS)) {
    if (Object.hasOwn(campaign, key) && campaign[key] !== undefined && campaign[key] !== null) {
      parameters[parameter] = campaign[key];
    }
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

function identify(userId: string, message: Json, envelope: Json): MappedEvent[] {
  const traits = isObject(message.traits)
    ? message.traits
    : isObject((message.context as Json | undefined)?.traits)
      ? ((message.context as Json).traits as Json)
      : {};
  const event: Json = { type: "user.created", user_id: userId, ...envelope };
  const sources: Record<string, string> = { user_id: "userId" };
  // A plain object built key by key: `__proto__` and `constructor` stay ordinary keys (CONTRACT §0).
  const profile: Json = {};
  let hasProfile = false;
  for (const [key, value] of Object.entries(traits)) {
    const field = Object.hasOwn(TRAIT_FIELDS, key) ? TRAIT_FIELDS[key] : undefined;
    if (field !== undefined) {
      event[field] = value;
      sources[field] = `traits.${key}`;
    } else if (key !== "createdAt") {
      Object.defineProperty(profile, key, { value, enumerable: true, writable: true, configurable: true });
      hasProfile = true;
    }
  }
  if (hasProfile) {
    event.profile = profile;
    sources.profile = "traits";
  }
  if (traits.createdAt !== undefined && traits.createdAt !== null) {
    event.occurred_at = traits.createdAt;
    sources.occurred_at = "traits.createdAt";
  }
  const parameters = signupParameters((message.context as Json | undefined)?.campaign);
  if (parameters) {
    event.signup_query_parameters = parameters;
    sources.signup_query_parameters = "context.campaign";
  }
  return [{ event, sources }];
}

/** The account of a B2B spec event: `context.groupId`, else `properties.account_id`. */
function accountOf(message: Json, properties: Json): { value: unknown; source: string } {
  const context = isObject(message.context) ? message.context : {};
  if (context.groupId !== undefined && context.groupId !== null) {
    return { value: idOf(context.groupId) ?? context.groupId, source: "context.groupId" };
  }
  return { value: idOf(properties.account_id) ?? properties.account_id, source: "properties.account_id" };
}

function activity(
  type: "track" | "page" | "screen",
  userId: string,
  message: Json,
  envelope: (role?: DerivedRole) => Json,
): Mapped {
  const events: MappedEvent[] = [
    { event: { type: "user.active", user_id: userId, ...envelope() }, sources: { user_id: "userId" } },
  ];
  if (type !== "track") return { ok: true, events };
  const properties = isObject(message.properties) ? message.properties : {};
  const name = message.event;
  if (name === INVITE_SENT) {
    const event: Json = {
      type: "user.invited",
      user_id: userId,
      invitee_email: properties.invitee_email,
      ...envelope("invite"),
    };
    const sources: Record<string, string> = { user_id: "userId", invitee_email: "properties.invitee_email" };
    const context = isObject(message.context) ? message.context : {};
    if (
      (context.groupId !== undefined && context.groupId !== null) ||
      (properties.account_id !== undefined && properties.account_id !== null)
    ) {
      const account = accountOf(message, properties);
      event.org_id = account.value;
      sources.org_id = account.source;
    }
    events.push({ event, sources });
  } else if (name === ACCOUNT_ADDED_USER || name === ACCOUNT_REMOVED_USER) {
    const added = name === ACCOUNT_ADDED_USER;
    const account = accountOf(message, properties);
    if (account.value === undefined || account.value === null) {
      return { ok: false, field: "context.groupId", message: `is required for "${name}" (or properties.account_id)` };
    }
    const event: Json = {
      type: added ? "org.member_added" : "org.member_removed",
      org_id: account.value,
      user_id: userId,
      ...envelope(added ? "member_added" : "member_removed"),
    };
    const sources: Record<string, string> = { org_id: account.source, user_id: "userId" };
    if (added && properties.role !== undefined) {
      event.role = properties.role;
      sources.role = "properties.role";
    }
    events.push({ event, sources });
  }
  return { ok: true, events };
}

function group(userId: string, message: Json, envelope: (role?: DerivedRole) => Json): Mapped {
  const groupId = idOf(message.groupId);
  if (groupId === undefined || groupId === null) {
    return { ok: false, field: "groupId", message: "is required (a string)" };
  }
  const traits = isObject(message.traits) ? message.traits : {};
  const events: MappedEvent[] = [];
  // org.created: "created if new, else updated" at the message's instant, decided by the ingestion rules (an
  // org.created about a known org only replaces its name, or moves created_at earlier), so no read is needed
  // here and a retry maps the same message to the same event.
  if (traits.name !== undefined && traits.name !== null) {
    events.push({
      event: { type: "org.created", org_id: groupId, name: traits.name, ...envelope() },
      sources: { org_id: "groupId", name: "traits.name" },
    });
  }
  const member: Json = { type: "org.member_added", org_id: groupId, user_id: userId, ...envelope("member") };
  const sources: Record<string, string> = { org_id: "groupId", user_id: "userId" };
  if (traits.role !== undefined) {
    member.role = traits.role;
    sources.role = "traits.role";
  }
  events.push({ event: member, sources });
  return { ok: true, events };
}

/**
 * One message (of a batch, or the body of a single-message route) as events. `routeType` is the type the route
 * names (`/v1/track`: used when the message names none), undefined for `/v1/batch`, where each message says its
 * own; `sentAt` the batch's.
 */
export function mapMessage(message: unknown, routeType: SegmentType | undefined, sentAt: unknown): Mapped {
  if (!isObject(message)) return { ok: false, field: "", message: "must be an object" };
  // A single-message route takes the message's own type when it names one: Segment's webhook destinations send
  // every event to one URL (README "Send from Segment"); else the route's.
  const own = SEGMENT_TYPES.includes(message.type as SegmentType) ? (message.type as SegmentType) : undefined;
  const type = (own ?? routeType ?? message.type) as SegmentType;
  if (!SEGMENT_TYPES.includes(type)) {
    return { ok: false, field: "type", message: `must be one of ${SEGMENT_TYPES.join(", ")}` };
  }
  const userId = idOf(message.userId);
  if (userId === null) return { ok: false, field: "userId", message: "must be a string" };
  // Anonymous only (no userId), or an alias: accepted, nothing to count (§11).
  if (userId === undefined || type === "alias") return { ok: true, events: [] };
  const messageId = idOf(message.messageId);
  if (messageId === null) return { ok: false, field: "messageId", message: "must be a string" };
  const occurredAt = [message.timestamp, message.sentAt, sentAt].find((v) => v !== undefined && v !== null);
  const envelope = (role?: DerivedRole): Json => ({
    ...(occurredAt !== undefined ? { occurred_at: occurredAt } : {}),
    ...(messageId !== undefined ? { event_id: eventIdOf(messageId, role) } : {}),
  });
  const mapped =
    type === "identify"
      ? { ok: true as const, events: identify(userId, message, envelope()) }
      : type === "group"
        ? group(userId, message, envelope)
        : activity(type, userId, message, envelope);
  if (!mapped.ok) return mapped;
  const occurredSource = message.timestamp != null ? "timestamp" : message.sentAt != null ? "sentAt" : "sentAt (batch)";
  for (const { sources } of mapped.events) {
    sources.occurred_at ??= occurredSource;
    sources.event_id = "messageId";
  }
  return mapped;
}
