import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { RetryableError } from "../http/retryable.js";
import { batchGetAll, batchWriteAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import { type ActiveMetric, keys } from "../storage/tableDesign.js";
import { dayOf, dayStart } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import type { ActivityPoint, BatchEffects } from "./applyEvents.js";
import { emailHash } from "./emailHash.js";
import { addInstant, type HourBounds, hourAttributes, storedHourBounds } from "./hourBounds.js";
import { mayOpenHour } from "./hourGenerations.js";

/**
 * Step 1 of writeEffects: the day sets of active users and orgs, and the logs. A day set member holds the first and
 * last instant of that day's activity (windows that start or end inside a day are decided exactly) and, for users,
 * the first and last instant within each clock hour of the day (hourBounds.ts: what the activity-by-hour routes
 * read); it is written without a transaction and converges whatever the order or repetition of writes: a member new
 * to its day is put only if absent, an existing one is merged (every bound only moves outward) by one update
 * conditional on the bounds it read, re-read and merged again when a concurrent batch moved them meanwhile. The
 * distinct counts of days, weeks and months are not moved here: they move with the entity's write
 * (writeEntities.ts, activeDays.ts), so no set item needs a transaction, and weeks and months need no set items.
 *
 * | write                                 | when                                           | units (< 1 KB) |
 * |---------------------------------------|------------------------------------------------|----------------|
 * | day member: conditional Put           | first activity of the id that day              | 1              |
 * | day member: merge (one Update)        | a bound moves: the day's first / last instant, | 1              |
 * |                                       | or (users) a new clock hour or its bounds      |                |
 * | invite / membership-change log: Put   | per event, keyed by the event                  | 1 (BatchWrite) |
 * | invite by invitee email hash: Put     | per invite (what erasure finds it by)          | 1 (BatchWrite) |
 * | old days' clock-hour generations: ADD | after the members, per (request, month) with a | 1              |
 * |   (writeEffects, hourGenerations.ts)  | day before yesterday on which a user member    |                |
 * |                                       | may have gained a clock hour (returned days)   |                |
 *
 * An activity after (or before) the day's others moves `max_at` (`min_at`) and its hour's bounds in the same write,
 * so hours cost nothing more in time order; only an activity inside the day's span that opens an hour, or moves an
 * hour's bounds without moving the day's, costs the one merge write by itself. For a day older than the live window
 * (hourGenerations.ts) the members are what the hour counts are recomputed from: whether a landed write may have given
 * a member a clock hour is decided on the state that write was conditional on, and the caller bumps that day's
 * generation after all the members are written.
 */

const CONCURRENCY = 8;

interface DayMember {
  metric: ActiveMetric;
  day: string;
  id: string;
  min: number;
  max: number;
  /** Users' activity per clock hour of the day (orgs keep none). */
  hours?: HourBounds;
}

function dayMembers(activity: ActivityPoint[]): DayMember[] {
  const members = new Map<string, DayMember>();
  for (const { kind, id, at } of activity) {
    const metric: ActiveMetric = kind === "user" ? "active_users" : "active_orgs";
    const day = dayOf(at);
    const key = JSON.stringify([metric, day, id]);
    let member = members.get(key);
    if (member) {
      member.min = Math.min(member.min, at);
      member.max = Math.max(member.max, at);
    } else {
      member = { metric, day, id, min: at, max: at, ...(kind === "user" ? { hours: new Map() } : {}) };
      members.set(key, member);
    }
    if (member.hours) addInstant(member.hours, at);
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

/** The member's attributes besides its keys: day bounds, and (users) hour bounds. */
function memberAttributes(m: DayMember): Record<string, number> {
  return { min_at: m.min, max_at: m.max, ...(m.hours ? hourAttributes(m.hours) : {}) };
}

/** `m` merged into what is stored: every bound moved outward. */
function merged(m: DayMember, stored: Record<string, unknown>): DayMember {
  const storedMin = stored.min_at as number;
  const storedMax = stored.max_at as number;
  const out: DayMember = { ...m, min: Math.min(m.min, storedMin), max: Math.max(m.max, storedMax) };
  if (m.hours) {
    const hours = storedHourBounds(stored, dayStart(m.day));
    for (const [hour, b] of m.hours) {
      const s = hours.get(hour);
      hours.set(hour, s ? { min: Math.min(s.min, b.min), max: Math.max(s.max, b.max) } : { ...b });
    }
    out.hours = hours;
  }
  return out;
}

/**
 * Merges `m` into the stored member with one Update of the attributes that change, conditional on each of them
 * (and the day bounds) being as read. False: a concurrent batch changed them meanwhile (read again and merge).
 */
async function merge(store: Store, e: string, m: DayMember, stored: Record<string, unknown>): Promise<boolean> {
  const next = memberAttributes(merged(m, stored));
  const changed = Object.entries(next).filter(([field, value]) => stored[field] !== value);
  if (changed.length === 0) return true;
  const names: Record<string, string> = { "#min": "min_at", "#max": "max_at" };
  const values: Record<string, unknown> = { ":min": stored.min_at, ":max": stored.max_at };
  const conditions = ["#min = :min", "#max = :max"];
  const sets = changed.map(([field, value], i) => {
    names[`#a${i}`] = field;
    values[`:a${i}`] = value;
    if (field !== "min_at" && field !== "max_at") {
      if (stored[field] === undefined) conditions.push(`attribute_not_exists(#a${i})`);
      else {
        values[`:o${i}`] = stored[field];
        conditions.push(`#a${i} = :o${i}`);
      }
    }
    return `#a${i} = :a${i}`;
  });
  return conditional(
    store,
    new UpdateCommand({
      TableName: store.tables.activity,
      Key: keys.activitySet(e, m.metric, "day", m.day, m.id),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: conditions.join(" AND "),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/**
 * Writes the day set members of `activity`. Returns the days on which a user member may have gained a clock hour
 * through these writes (hourGenerations.ts `mayOpenHour`, decided on what each landed write was conditional on):
 * an old one of those days has its generation bumped after this.
 */
export async function writeActivitySets(store: Store, e: string, activity: ActivityPoint[]): Promise<Set<string>> {
  let members = dayMembers(activity);
  const opened = new Set<string>();
  for (let attempt = 0; members.length > 0; attempt++) {
    if (attempt >= 5) throw new RetryableError("day set members still contended after retries");
    const stored = new Map(
      (
        await batchGetAll<Record<string, unknown>>(
          store,
          store.tables.activity,
          members.map((m) => keys.activitySet(e, m.metric, "day", m.day, m.id)),
          { consistent: true },
        )
      ).map((item) => [`${item.pk}\u0000${item.sk}`, item]),
    );
    const storedOf = (m: DayMember) => {
      const { pk, sk } = keys.activitySet(e, m.metric, "day", m.day, m.id);
      return stored.get(`${pk}\u0000${sk}`);
    };
    const lost: DayMember[] = [];
    await mapLimit(members, CONCURRENCY, async (m) => {
      const existing = storedOf(m);
      if (existing) {
        if (!(await merge(store, e, m, existing))) lost.push(m);
        else if (m.hours && mayOpenHour(m.hours, storedHourBounds(existing, dayStart(m.day)))) opened.add(m.day);
        return;
      }
      const put = new PutCommand({
        TableName: store.tables.activity,
        Item: { ...keys.activitySet(e, m.metric, "day", m.day, m.id), ...memberAttributes(m) },
        ConditionExpression: "attribute_not_exists(pk)",
      });
      // Put meanwhile by a concurrent batch: read again and merge into it instead.
      if (!(await conditional(store, put))) lost.push(m);
      else if (m.hours) opened.add(m.day);
    });
    members = lost;
  }
  return opened;
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
