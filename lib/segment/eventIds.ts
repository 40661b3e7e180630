import { createHash } from "node:crypto";
import { idProblem } from "../validation/ids.js";

/**
 * The `event_id`s of the events one Segment message becomes (CONTRACT §11: `messageId` is the `event_id`), derived
 * deterministically so a retried message maps to the same ids and counts once (§2), also when it becomes two events:
 * the first event carries the messageId itself, a further one `{messageId}#{role}` (e.g. `#invite`).
 *
 * Every id must be storable (lib/validation/ids.ts: ≤ 256 UTF-8 bytes, no control characters). A messageId that
 * isn't, or whose derived id wouldn't be, is replaced by `segment-sha256:{hex of the messageId}` (still
 * deterministic; the hash keeps distinct messageIds distinct), then suffixed as above.
 */

/** What distinguishes the further events of one message. */
export type DerivedRole = "invite" | "member_added" | "member_removed" | "member";

const LONGEST_SUFFIX = "#member_removed";
const HASH_PREFIX = "segment-sha256:";

/** The base all of a message's ids are built from: the messageId, or its hash when a derived id wouldn't fit. */
export function messageIdBase(messageId: string): string {
  return idProblem(`${messageId}${LONGEST_SUFFIX}`) === undefined
    ? messageId
    : `${HASH_PREFIX}${createHash("sha256").update(messageId, "utf8").digest("hex")}`;
}

/** The event id of the message's first event (`role` undefined) or of a further one. */
export function eventIdOf(messageId: string, role?: DerivedRole): string {
  const base = messageIdBase(messageId);
  return role === undefined ? base : `${base}#${role}`;
}
