/**
 * Which ingestion batches a user's or org's stored state already holds: its `applied` attribute, the tags of the
 * last APPLIED_LIMIT batches whose events its writes applied, oldest first (one string, 13 bytes a batch, so the
 * item every activity rewrites stays small).
 *
 * Why: a pending batch can be applied again over a later write that already holds it, by a retry after its first
 * attempt died past its user write while another batch changed the user meanwhile, or by two deliveries of it at once
 * (a split retry racing one that carries it with later events). Its events applied again on top of that later state
 * are not idempotent when their order matters: a membership added then removed came back, a name set then set again
 * went back (issue 20's re-probe). The write's own stamp (`prev_batch`) names only the last write's batches; the
 * list names the recent ones, so a delivery skips what an entity already holds (ingest.ts, `heldBatches`) and
 * applies to it only the rest of its events.
 *
 * A tag is the first 12 hex digits of the batch id (48 bits: a collision within one entity's last 8 batches is
 * out of reach). An entity written by more than APPLIED_LIMIT batches before a pending one is sent again no longer
 * names it: that batch is then applied over its state again, as before this list existed (README "Exactly once").
 */

export const APPLIED_LIMIT = 8;

/** A batch id's tag (ids are UUID-shaped digests, claims.ts `batchIdOf`). */
export const batchTag = (batchId: string): string => batchId.replaceAll("-", "").slice(0, 12);

/** The tags a stored `applied` attribute names, oldest first; none when absent (items written before it). */
export function appliedTags(stored: unknown): string[] {
  return typeof stored === "string" && stored.length > 0 ? stored.split(" ") : [];
}

/** `applied` after a write of `batches`: theirs appended (moved to the end if named already), the oldest dropped. */
export function withApplied(stored: unknown, batches: readonly string[]): string {
  const added = [...new Set(batches.map(batchTag))];
  const kept = appliedTags(stored).filter((tag) => !added.includes(tag));
  return [...kept, ...added].slice(-APPLIED_LIMIT).join(" ");
}

/** Those of `batches` the stored `applied` names. */
export function heldBatches(stored: unknown, batches: readonly string[]): Set<string> {
  const tags = new Set(appliedTags(stored));
  return new Set(batches.filter((batchId) => tags.has(batchTag(batchId))));
}
