import { newUser } from "../../lib/ingest/applyEvents.js";
import { batchPutAll } from "../../lib/storage/batch.js";
import type { Store } from "../../lib/storage/client.js";
import type { OrgItem, UserItem, UserMembershipItem } from "../../lib/storage/items.js";
import { dayCountItems } from "../../lib/storage/monthCounters.js";
import { keys } from "../../lib/storage/tableDesign.js";
import { DAY_MS, dayOf, hourOf } from "../../lib/time.js";
import type { BenchEvent } from "./mix.js";

/**
 * For tenants too large to ingest through DynamoDB Local within the bench's time here (≈ 60–100 events/s on a
 * loaded 2-core machine): writes what the refresh reads — users and orgs with their index keys, `MEMBER#` items,
 * the day sets of the last 91 days, invite and membership-change logs, the per-hour last-activity counters that
 * plan the churn shards and answer `days=N`, the active-users day counters — straight from the same events, in the
 * shapes ingestion stores (lib/storage/items.ts). The other chart counters are not written: charts are measured
 * on the ingested sizes only.
 */
export async function seedTenant(store: Store, e: string, events: readonly BenchEvent[], now: number): Promise<number> {
  const users = new Map<string, UserItem>();
  const orgs = new Map<string, OrgItem>();
  const daySets = new Map<string, { pk: string; sk: string; min_at: number; max_at: number }>();
  const logs: Record<string, unknown>[] = [];
  const since = now - 91 * DAY_MS;
  const activeUsersPerDay = new Map<string, number>();
  const touch = (metric: "active_users" | "active_orgs", id: string, at: number) => {
    if (at < since) return;
    const key = keys.activitySet(e, metric, "day", dayOf(at), id);
    const item = daySets.get(`${key.pk}|${key.sk}`);
    if (item) {
      item.min_at = Math.min(item.min_at, at);
      item.max_at = Math.max(item.max_at, at);
    } else {
      daySets.set(`${key.pk}|${key.sk}`, { ...key, min_at: at, max_at: at });
      // A new member of its day's set: one more distinct user that day (the dashboard finds days by these counts).
      if (metric === "active_users") activeUsersPerDay.set(dayOf(at), (activeUsersPerDay.get(dayOf(at)) ?? 0) + 1);
    }
  };
  const org = (id: string, at: number) => {
    let o = orgs.get(id);
    if (!o) {
      o = { org_id: id, name: `Org ${id}`, created_at: at, first_active_at: at, last_active_at: at, version: 1 };
      orgs.set(id, o);
      touch("active_orgs", id, at);
    }
    return o;
  };
  const active = (u: UserItem, at: number) => {
    u.first_active_at = Math.min(u.first_active_at, at);
    u.last_active_at = Math.max(u.last_active_at, at);
    touch("active_users", u.user_id, at);
    for (const m of u.orgs ?? []) {
      const o = org(m.org_id, at);
      o.last_active_at = Math.max(o.last_active_at, at);
      touch("active_orgs", o.org_id, at);
    }
  };
  for (const ev of events) {
    const at = Date.parse(ev.occurred_at);
    let found = users.get(ev.user_id);
    if (!found) {
      found = { ...newUser(ev.user_id, at), email: (ev.email as string | undefined) ?? null, orgs: [], version: 1 };
      users.set(ev.user_id, found);
      touch("active_users", found.user_id, at);
    }
    const u = found;
    const orgId = ev.org_id as string | undefined;
    if (ev.type === "user.active") active(u, at);
    if (ev.type === "user.invited")
      logs.push({
        ...keys.invite(e, dayOf(at), at, ev.event_id),
        inviter_id: u.user_id,
        invitee_email: ev.invitee_email,
        org_id: null,
        at,
      });
    if (ev.type === "org.member_added" && orgId) {
      org(orgId, at);
      const membership: UserMembershipItem = { org_id: orgId, role: "member", since: at };
      u.orgs = [...(u.orgs ?? []).filter((m) => m.org_id !== orgId), membership].sort((a, b) =>
        a.org_id < b.org_id ? -1 : 1,
      );
      logs.push({
        ...keys.memberChange(e, dayOf(at), at, ev.event_id, orgId),
        org_id: orgId,
        user_id: u.user_id,
        change: "added",
        at,
      });
    }
    if (ev.type === "org.member_removed" && orgId && u.orgs?.some((m) => m.org_id === orgId)) {
      u.orgs = u.orgs.filter((m) => m.org_id !== orgId);
      logs.push({
        ...keys.memberChange(e, dayOf(at), at, ev.event_id, orgId),
        org_id: orgId,
        user_id: u.user_id,
        change: "removed",
        at,
      });
    }
  }
  const items: Record<string, unknown>[] = [];
  const lastActiveHours = new Map<string, number>();
  for (const u of users.values()) {
    const hour = hourOf(u.last_active_at);
    lastActiveHours.set(hour, (lastActiveHours.get(hour) ?? 0) + 1);
    items.push({
      ...keys.user(e, u.user_id),
      ...u,
      ...keys.signupIndex(e, u.created_at, u.user_id),
      ...keys.lastActiveIndex(e, "U", u.last_active_at, u.user_id),
    });
    for (const m of u.orgs ?? [])
      items.push({ ...keys.orgMember(e, m.org_id, u.user_id), user_id: u.user_id, role: m.role, since: m.since });
  }
  for (const o of orgs.values())
    items.push({ ...keys.org(e, o.org_id), ...o, ...keys.lastActiveIndex(e, "O", o.last_active_at, o.org_id) });
  await batchPutAll(store, store.tables.entities, items);
  const hours = [...lastActiveHours].map(([hour, count]) => ({ ...keys.lastActiveHour(e, hour), count }));
  // The dashboard's active-users finds its days through the day counters: the distinct users of each day set.
  const dayCounters = dayCountItems(e, "active_users", activeUsersPerDay);
  await batchPutAll(store, store.tables.activity, [...daySets.values(), ...logs, ...hours, ...dayCounters]);
  return items.length + daySets.size + logs.length + hours.length + dayCounters.length;
}
