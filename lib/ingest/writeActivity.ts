import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGetAll, batchWriteAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { ActivitySetItem } from "../storage/items.js";
import { type ActiveMetric, keys } from "../storage/tableDesign.js";
import { dayOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { ActivityPoint, BatchEffects } from "./applyEvents.js";
import { emailHash } from "./emailHash.js";

/**
 * Step 1 of writeEffects: the day sets of active users and orgs, and the logs. A day set member holds the first and
 * last instant of that day's activity (windows that start or end inside a day are decided exactly); it is written
 * without a transaction and converges whatever the order or repetition of writes: a member new to its day is put only
 * if absent, an existing one is widened by conditional updates that only ever lower `min_at` / raise `max_at`. The
 * distinct counts of days, weeks and months are not moved here: they move with the entity's write (writeEntities.ts,
 * activeDays.ts), so no set item needs a transaction, and weeks and months need no set items at all.
 *
 * | write                                 | when                                  | cost (write units, items < 1 KB) |
 * |---------------------------------------|---------------------------------------|----------------------------------|
 * | day member: conditional Put           | first activity of the id that day     | 1                                |
 * | day member: `SET max_at` if greater   | activity after the day's last so far  | 1                                |
 * | day member: `SET min_at` if smaller   | activity before the day's first       | 1                                |
 * | invite / membership-change log: Put   | per event, keyed by the event         | 1 (BatchWrite)                   |
 * | invite by invitee email hash: Put     | per invite (what erasure finds it by) | 1 (BatchWrite)                   |
 */

const CONCURRENCY = 8;

interface DayMember {
  metric: ActiveMetric;
  day: string;
  id: string;
  min: number;
  max: number;
}

function dayMembers(activity: ActivityPoint[]): DayMember[] {
  const members = new Map<string, DayMember>();
  for (const { kind, id, at } of activity) {
    const metric: ActiveMetric = kind === "user" ? "active_users" : "active_orgs";
    const day = dayOf(at);
    const key = JSON.stringify([metric, day, id]);
    const member = members.get(key);
    if (member) {
      member.min = Math.min(member.min, at);
      member.max = Math.max(member.max, at);
    } else members.set(key, { metric, day, id, min: at, max: at });
  }
  return [...members.values()];
}

/** Runs a conditional write; false when its condition failed. */
async function conditional(store: Store, command: PutCommand | UpdateCommand): Promise<boolean> {
  try {
    if (command instanceof PutCommand) await store.doc.send(command);
    else await store.doc.send(command);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Widens a stored member to `m`'s instants: each bound moves only outward, so concurrent widenings commute. */
async function widen(store: Store, e: string, m: DayMember, stored: ActivitySetItem): Promise<void> {
  const Key = keys.activitySet(e, m.metric, "day", m.day, m.id);
  const bound = async (field: "min_at" | "max_at", value: number) => {
    await conditional(
      store,
      new UpdateCommand({
        TableName: store.tables.activity,
        Key,
        UpdateExpression: `SET ${field} = :v`,
        // Failed: a concurrent batch already moved it at least as far.
        ConditionExpression: `${field} ${field === "min_at" ? ">" : "<"} :v`,
        ExpressionAttributeValues: { ":v": value },
      }),
    );
  };
  if (m.min < stored.min_at) await bound("min_at", m.min);
  if (m.max > stored.max_at) await bound("max_at", m.max);
}

export async function writeActivitySets(store: Store, e: string, activity: ActivityPoint[]): Promise<void> {
  let members = dayMembers(activity);
  for (let attempt = 0; members.length > 0; attempt++) {
    if (attempt >= 5) throw new Error("day set members still contended after retries");
    const stored = new Map(
      (
        await batchGetAll<Record<string, unknown>>(
          store,
          store.tables.activity,
          members.map((m) => keys.activitySet(e, m.metric, "day", m.day, m.id)),
          { consistent: true },
        )
      ).map((item) => [`${item.pk}\u0000${item.sk}`, item as unknown as ActivitySetItem]),
    );
    const storedOf = (m: DayMember) => {
      const { pk, sk } = keys.activitySet(e, m.metric, "day", m.day, m.id);
      return stored.get(`${pk}\u0000${sk}`);
    };
    const lost: DayMember[] = [];
    await mapLimit(members, CONCURRENCY, async (m) => {
      const existing = storedOf(m);
      if (existing) return widen(store, e, m, existing);
      const put = new PutCommand({
        TableName: store.tables.activity,
        Item: { ...keys.activitySet(e, m.metric, "day", m.day, m.id), min_at: m.min, max_at: m.max },
        ConditionExpression: "attribute_not_exists(pk)",
      });
      // Put meanwhile by a concurrent batch: read again and widen it instead.
      if (!(await conditional(store, put))) lost.push(m);
    });
    members = lost;
  }
}

export async function writeLogs(store: Store, e: string, effects: BatchEffects): Promise<void> {
  const puts = [
    ...effects.invites.map(({ eventKey, item }) => ({ ...keys.invite(e, dayOf(item.at), item.at, eventKey), ...item })),
    // Erasing a person finds the invites naming any email it ever had by key (lib/tenants/erasureJob.ts).
    ...effects.invites.map(({ eventKey, item }) => {
      const invite = keys.invite(e, dayOf(item.at), item.at, eventKey);
      return {
        ...keys.inviteTo(e, emailHash(item.invitee_email), item.at, eventKey),
        invite_pk: invite.pk,
        invite_sk: invite.sk,
      };
    }),
    ...effects.memberChanges.map(({ eventKey, item }) => ({
      ...keys.memberChange(e, dayOf(item.at), item.at, eventKey, item.org_id),
      ...item,
    })),
  ];
  await batchWriteAll(
    store,
    store.tables.activity,
    puts.map((Item) => ({ PutRequest: { Item } })),
  );
}
