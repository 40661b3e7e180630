import { batchGetAll, batchWriteAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { type ActiveMetric, type Cadence, keys } from "../storage/tableDesign.js";
import { type TransactItem, transactConditionalWrites } from "../storage/transactions.js";
import { dayOf } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { ActivityPoint, BatchEffects } from "./applyEvents.js";
import { bucketCounter, cadences, counterAdd } from "./counters.js";

/**
 * Step 1 of writeEffects: activity sets and logs. New set members are added in transactions of up to 99 with one
 * `ADD n` to their bucket counter, conditional on being absent, so a counter is the number of distinct members
 * however often a batch is retried; existing day members have their first/last instant widened.
 */

const GROUP_CONCURRENCY = 8;

interface SetMember {
  metric: ActiveMetric;
  cadence: Cadence;
  bucket: string;
  id: string;
  min: number;
  max: number;
}

function activitySetMembers(activity: ActivityPoint[]): SetMember[] {
  const members = new Map<string, SetMember>();
  for (const { kind, id, at } of activity) {
    const metric: ActiveMetric = kind === "user" ? "active_users" : "active_orgs";
    for (const { cadence, bucketOf } of cadences) {
      const bucket = bucketOf(at);
      const key = JSON.stringify([metric, cadence, bucket, id]);
      const member = members.get(key);
      if (member) {
        member.min = Math.min(member.min, at);
        member.max = Math.max(member.max, at);
      } else members.set(key, { metric, cadence, bucket, id, min: at, max: at });
    }
  }
  return [...members.values()];
}

/** Conditional widening of an existing day member's first/last instant. */
function widenDayMember(
  store: Store,
  e: string,
  m: SetMember,
  stored: { min_at: number; max_at: number },
): TransactItem[] {
  const Key = keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id);
  const updates: TransactItem[] = [];
  if (m.min < stored.min_at || m.max > stored.max_at) {
    updates.push({
      Update: {
        TableName: store.tables.activity,
        Key,
        UpdateExpression: "SET min_at = :min, max_at = :max",
        // Unchanged since read: otherwise a concurrent batch widened it, and this batch retries the read.
        ConditionExpression: "min_at = :oldMin AND max_at = :oldMax",
        ExpressionAttributeValues: {
          ":min": Math.min(m.min, stored.min_at),
          ":max": Math.max(m.max, stored.max_at),
          ":oldMin": stored.min_at,
          ":oldMax": stored.max_at,
        },
      },
    });
  }
  return updates;
}

export async function writeActivitySets(store: Store, e: string, activity: ActivityPoint[]): Promise<void> {
  let members = activitySetMembers(activity);
  for (let attempt = 0; members.length > 0 && attempt < 5; attempt++) {
    const stored = new Map(
      (
        await batchGetAll<Record<string, unknown>>(
          store,
          store.tables.activity,
          members.map((m) => keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id)),
          { consistent: true },
        )
      ).map((item) => [`${item.pk}\u0000${item.sk}`, item as { min_at: number; max_at: number }]),
    );
    const storedOf = (m: SetMember) => {
      const { pk, sk } = keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id);
      return stored.get(`${pk}\u0000${sk}`);
    };
    // New members, one group per bucket counter.
    const groups = new Map<string, SetMember[]>();
    for (const m of members) {
      if (storedOf(m)) continue;
      const group = `${m.metric}\u0000${m.cadence}\u0000${m.bucket}`;
      groups.set(group, [...(groups.get(group) ?? []), m]);
    }
    const lost: SetMember[] = [];
    await mapLimit([...groups.values()], GROUP_CONCURRENCY, async (group) => {
      const first = group[0] as SetMember;
      const counter = bucketCounter(store, e, first.metric, first.cadence, first.bucket);
      const puts: TransactItem[] = group.map((m) => ({
        Put: {
          TableName: store.tables.activity,
          Item: { ...keys.activitySet(e, m.metric, m.cadence, m.bucket, m.id), min_at: m.min, max_at: m.max },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      }));
      const written = await transactConditionalWrites(store, puts, (n) => [counterAdd(counter, n)], 1);
      // Added meanwhile by a concurrent batch: read again and widen it instead.
      group.forEach((m, i) => {
        if (!written[i] && m.cadence === "day") lost.push(m);
      });
    });
    const widenings = members.filter((m) => m.cadence === "day" && storedOf(m));
    const updates = widenings.flatMap((m) =>
      widenDayMember(store, e, m, storedOf(m) as { min_at: number; max_at: number }),
    );
    const widened = await transactConditionalWrites(store, updates);
    const stale = widenings.filter((m) => {
      const s = storedOf(m) as { min_at: number; max_at: number };
      return m.min < s.min_at || m.max > s.max_at;
    });
    members = [...lost, ...stale.filter((_, i) => !widened[i])];
  }
}

export async function writeLogs(store: Store, e: string, effects: BatchEffects): Promise<void> {
  const puts = [
    ...effects.invites.map(({ eventKey, item }) => ({ ...keys.invite(e, dayOf(item.at), item.at, eventKey), ...item })),
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
