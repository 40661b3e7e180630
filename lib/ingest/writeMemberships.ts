import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../storage/client.js";
import type { UserMembershipItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { mapLimit } from "../util/mapLimit.js";
import type { BatchEffects } from "./applyEvents.js";
import type { LoadedState } from "./loadState.js";

/**
 * Step 4 of writeEffects: the org side of memberships, `MEMBER#` items (the refresh's per-org Query: `num_users`, each
 * user's `org_data`); a user's own orgs live in the `orgs` map of its item, written in step 3.
 *
 * Each is written after the user's write, from the memberships that write stored, tagged with the user's version
 * it follows (`user_version`) and conditional on not being behind what is there: so it is whatever the latest
 * version of the user says, in any order of concurrent deliveries (a delivery that lost its user write to another
 * one writes none of its own, and one whose write landed can't overwrite a later version's). A membership that
 * ended is a tombstone (`removed`, gone by TTL after a day) rather than a deletion, so that a late write of an older
 * version finds it and does nothing. Readers skip tombstones. Conditional Puts, one per membership that changed
 * (1 unit each, as the puts and deletes before).
 *
 * Which ones: those the delivery's own user writes changed (its state before against after), and, for a user it
 * didn't write because its write had landed already (an earlier attempt) or a later write holds its batches
 * (appliedBatches.ts), every membership its events name, brought in line with the user as stored: that write's
 * delivery may have died before this step.
 */

const CONCURRENCY = 8;
const TOMBSTONE_SECONDS = 24 * 3600;

function sameMembership(a: UserMembershipItem | undefined, b: UserMembershipItem | undefined): boolean {
  return a === b || (!!a && !!b && a.role === b.role && a.since === b.since);
}

export async function writeMembershipItems(
  store: Store,
  e: string,
  { state: loaded, writtenUsers, userVersions: storedVersions }: LoadedState,
  effects: BatchEffects,
  writtenVersions: ReadonlyMap<string, number>,
  now: number,
): Promise<void> {
  const toSync = new Map<string, Set<string>>();
  const sync = (userId: string, orgId: string) => toSync.set(userId, (toSync.get(userId) ?? new Set()).add(orgId));
  for (const [userId, { memberships }] of effects.state.users) {
    const before = loaded.users.get(userId)?.memberships ?? new Map<string, UserMembershipItem>();
    for (const orgId of new Set([...before.keys(), ...memberships.keys()]))
      if (!sameMembership(before.get(orgId), memberships.get(orgId))) sync(userId, orgId);
  }
  for (const { userId, orgId } of effects.namedMemberships) if (writtenUsers.has(userId)) sync(userId, orgId);

  const puts: { userId: string; orgId: string; member: UserMembershipItem | undefined; version: number }[] = [];
  for (const [userId, orgIds] of toSync) {
    const version = writtenVersions.get(userId) ?? storedVersions.get(userId);
    // A user whose write didn't land has no version to follow (its delivery failed before this step).
    if (version === undefined) continue;
    const memberships = effects.state.users.get(userId)?.memberships;
    for (const orgId of orgIds) puts.push({ userId, orgId, member: memberships?.get(orgId), version });
  }
  await mapLimit(puts, CONCURRENCY, async ({ userId, orgId, member, version }) => {
    const Item = member
      ? { ...keys.orgMember(e, orgId, userId), user_id: userId, role: member.role, since: member.since }
      : { ...keys.orgMember(e, orgId, userId), user_id: userId, removed: true };
    try {
      await store.doc.send(
        new PutCommand({
          TableName: store.tables.entities,
          Item: {
            ...Item,
            user_version: version,
            ...(member ? {} : { expires_at: Math.floor(now / 1000) + TOMBSTONE_SECONDS }),
          },
          ConditionExpression: "attribute_not_exists(user_version) OR user_version <= :version",
          ExpressionAttributeValues: { ":version": version },
        }),
      );
    } catch (error) {
      // A later version of the user wrote it: that one is right.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  });
}
