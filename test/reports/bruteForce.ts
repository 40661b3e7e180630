/**
 * A deliberately naive reference for the reports, written from CONTRACT §3 and §6 alone: it replays the raw
 * events in order, keeping EVERY activity instant of every user and org, then evaluates each report's definition
 * literally over those instants (no day items, no min/max). The production code works from aggregates; the
 * property tests compare the two.
 */

export type RawEvent = { type: string; occurred_at: string } & Record<string, unknown>;

const DAY = 86_400_000;
const PROFILE_FIELDS = ["username", "email", "first_name", "last_name"] as const;

export interface HistoryUser {
  user_id: string;
  fields: Record<(typeof PROFILE_FIELDS)[number], string | null>;
  created_at: number;
  deleted_at?: number;
  activity: number[];
  orgs: Map<string, { role: string | null; since: number }>;
}

export interface HistoryOrg {
  org_id: string;
  name: string | null;
  created_at: number;
  activity: number[];
}

export interface History {
  users: Map<string, HistoryUser>;
  orgs: Map<string, HistoryOrg>;
  invites: { inviter_id: string; at: number }[];
  changes: { org_id: string; user_id: string; change: "added" | "removed"; at: number }[];
}

/** Replays events in the order received (CONTRACT §3). */
export function replay(events: readonly RawEvent[]): History {
  const h: History = { users: new Map(), orgs: new Map(), invites: [], changes: [] };

  const org = (id: string, at: number): HistoryOrg => {
    let o = h.orgs.get(id);
    if (!o) {
      // Implicit creation: the org exists (and is active) from the event's instant.
      o = { org_id: id, name: null, created_at: at, activity: [at] };
      h.orgs.set(id, o);
    }
    return o;
  };
  // An activity counts for the orgs the user is a member of when it is recorded.
  const active = (u: HistoryUser, at: number) => {
    u.activity.push(at);
    for (const orgId of u.orgs.keys()) org(orgId, at).activity.push(at);
  };
  const user = (id: string, at: number): HistoryUser => {
    let u = h.users.get(id);
    if (!u) {
      u = {
        user_id: id,
        fields: { username: null, email: null, first_name: null, last_name: null },
        created_at: at,
        activity: [],
        orgs: new Map(),
      };
      h.users.set(id, u);
      active(u, at); // sign-up is an activity
    }
    return u;
  };
  // Events about a deleted user change nothing.
  const live = (id: string, at: number) => {
    const u = user(id, at);
    return u.deleted_at === undefined ? u : undefined;
  };

  for (const e of events) {
    const at = Date.parse(e.occurred_at);
    const userId = e.user_id as string;
    const orgId = e.org_id as string;
    switch (e.type) {
      case "user.created":
      case "user.updated": {
        const known = h.users.has(userId);
        const u = live(userId, at);
        if (!u) break;
        for (const f of PROFILE_FIELDS) if (f in e) u.fields[f] = (e[f] as string | null) ?? null;
        if (e.type === "user.created" && known && at < u.created_at) {
          u.created_at = at;
          active(u, at);
        }
        break;
      }
      case "user.deleted": {
        const u = live(userId, at);
        if (!u) break;
        u.deleted_at = at;
        for (const o of [...u.orgs.keys()]) {
          u.orgs.delete(o);
          h.changes.push({ org_id: o, user_id: userId, change: "removed", at });
        }
        break;
      }
      case "user.active": {
        const u = live(userId, at);
        if (u) active(u, at);
        break;
      }
      case "user.invited": {
        const u = live(userId, at);
        if (!u) break;
        if (orgId !== undefined) org(orgId, at);
        h.invites.push({ inviter_id: userId, at });
        break;
      }
      case "org.created":
      case "org.updated": {
        const known = h.orgs.has(orgId);
        const o = org(orgId, at);
        o.name = e.name as string;
        if (e.type === "org.created" && known && at < o.created_at) {
          o.created_at = at;
          o.activity.push(at);
        }
        break;
      }
      case "org.member_added": {
        org(orgId, at);
        const u = live(userId, at);
        if (!u || u.orgs.has(orgId)) break;
        u.orgs.set(orgId, { role: (e.role as string | null | undefined) ?? null, since: at });
        h.changes.push({ org_id: orgId, user_id: userId, change: "added", at });
        break;
      }
      case "org.member_removed": {
        org(orgId, at);
        const u = live(userId, at);
        if (!u?.orgs.has(orgId)) break;
        u.orgs.delete(orgId);
        h.changes.push({ org_id: orgId, user_id: userId, change: "removed", at });
        break;
      }
    }
  }
  return h;
}

const WINDOWS: Record<string, string[]> = {
  "user_report/top_inviter": ["30", "60", "90"],
  "user_report/champion": ["30", "60", "90"],
  "user_report/reengagement": ["Weekly", "Monthly"],
  "user_report/churn": ["7", "14", "30"],
  "org_report/reengagement": ["Weekly", "Monthly"],
  "org_report/churn": ["7", "14", "30"],
  "org_report/growth": ["30", "60", "90"],
  "org_report/attrition": ["30", "60", "90"],
};

const lengthOf = (interval: string) =>
  (interval === "Weekly" ? 7 : interval === "Monthly" ? 30 : Number(interval)) * DAY;
const inWindow = (t: number, a: number, b: number) => a <= t && t < b;
const anyIn = (ts: number[], a: number, b: number) => ts.some((t) => inWindow(t, a, b));
const sec = (ms: number) => Math.floor(ms / 1000);

/** Expected rows of every report × interval (keyed `report#interval`), without `id` / `report_id`. */
export function expectedReports(h: History, T: number): Map<string, Record<string, unknown>[]> {
  // As of T (CONTRACT §6): activity after T (a later event, or a refresh at an earlier --now) is not seen.
  const asOfT = <S extends { activity: number[] }>(s: S): S => ({ ...s, activity: s.activity.filter((t) => t <= T) });
  // Existing at T: deleted after T still counts (CONTRACT §6, "only users/orgs that exist at T").
  const users = [...h.users.values()]
    .filter((u) => u.created_at <= T && (u.deleted_at === undefined || u.deleted_at > T))
    .map(asOfT);
  const orgs = [...h.orgs.values()].filter((o) => o.created_at <= T).map(asOfT);
  const existingUserIds = new Set(users.map((u) => u.user_id));

  const userRow = (u: HistoryUser, extra?: Record<string, number>) => ({
    user_id: u.user_id,
    user_created_at: sec(u.created_at),
    username: u.fields.username,
    first_name: u.fields.first_name,
    last_name: u.fields.last_name,
    email: u.fields.email,
    last_active_at: sec(Math.max(...u.activity)),
    org_data: [...u.orgs.entries()]
      .filter(([, m]) => m.since <= T)
      .map(([orgId, m]) => ({ display_name: h.orgs.get(orgId)?.name ?? null, org_id: orgId, user_role: m.role }))
      .sort((a, b) => (a.org_id < b.org_id ? -1 : 1)),
    ...(extra ? { extra_properties: extra } : {}),
  });
  const orgRow = (o: HistoryOrg, extra?: Record<string, number>) => ({
    org_id: o.org_id,
    name: o.name,
    num_users: users.filter((u) => existingUserIds.has(u.user_id) && (u.orgs.get(o.org_id)?.since ?? Infinity) <= T)
      .length,
    org_created_at: sec(o.created_at),
    ...(extra ? { extra_properties: extra } : {}),
  });
  // Descending by the key, then id ascending (plain code-unit order, as ids are compared).
  const byKeyThenId =
    <S>(key: (s: S) => number, id: (s: S) => string) =>
    (x: S, y: S) =>
      key(y) - key(x) || (id(x) < id(y) ? -1 : id(x) > id(y) ? 1 : 0);
  const uid = (u: HistoryUser) => u.user_id;
  const oid = (o: HistoryOrg) => o.org_id;
  const last = (ts: number[]) => Math.max(...ts);
  const first = (ts: number[]) => Math.min(...ts);

  const out = new Map<string, Record<string, unknown>[]>();
  for (const [report, intervals] of Object.entries(WINDOWS)) {
    for (const interval of intervals) {
      const n = lengthOf(interval);
      const from = T - n;
      let rows: Record<string, unknown>[] = [];
      const reengaged = (ts: number[]) => anyIn(ts, T - n, T) && !anyIn(ts, T - 2 * n, T - n) && first(ts) < T - 2 * n;
      const changesOf = (o: HistoryOrg) => {
        const inside = h.changes.filter((c) => c.org_id === o.org_id && inWindow(c.at, from, T));
        return {
          added: inside.filter((c) => c.change === "added").length,
          removed: inside.filter((c) => c.change === "removed").length,
        };
      };
      switch (report) {
        case "user_report/top_inviter": {
          const num = (u: HistoryUser) =>
            h.invites.filter((i) => i.inviter_id === u.user_id && inWindow(i.at, from, T)).length;
          rows = users
            .filter((u) => num(u) >= 1)
            .sort(byKeyThenId(num, uid))
            .map((u) => userRow(u, { num_invites: num(u) }));
          break;
        }
        case "user_report/champion": {
          const num = (u: HistoryUser) =>
            new Set(u.activity.filter((t) => inWindow(t, from, T)).map((t) => new Date(t).toISOString().slice(0, 10)))
              .size;
          rows = users
            .filter((u) => num(u) >= 1)
            .sort(byKeyThenId(num, uid))
            .map((u) => userRow(u, { num_active_days: num(u) }));
          break;
        }
        case "user_report/reengagement":
          rows = users
            .filter((u) => reengaged(u.activity))
            .sort(byKeyThenId((u) => last(u.activity), uid))
            .map((u) => userRow(u));
          break;
        case "user_report/churn":
          rows = users
            .filter((u) => last(u.activity) < from)
            .sort(byKeyThenId((u) => last(u.activity), uid))
            .map((u) => userRow(u));
          break;
        case "org_report/reengagement":
          rows = orgs
            .filter((o) => reengaged(o.activity))
            .sort(byKeyThenId((o) => last(o.activity), oid))
            .map((o) => orgRow(o));
          break;
        case "org_report/churn":
          rows = orgs
            .filter((o) => !anyIn(o.activity, from, Infinity))
            .sort(byKeyThenId((o) => last(o.activity), oid))
            .map((o) => orgRow(o));
          break;
        case "org_report/growth":
          rows = orgs
            .filter((o) => changesOf(o).added + changesOf(o).removed >= 1)
            .sort(byKeyThenId((o) => changesOf(o).added - changesOf(o).removed, oid))
            .map((o) => {
              const c = changesOf(o);
              return orgRow(o, { num_users_added: c.added, num_users_removed: c.removed });
            });
          break;
        case "org_report/attrition":
          rows = orgs
            .filter((o) => changesOf(o).removed >= 1)
            .sort(byKeyThenId((o) => changesOf(o).removed, oid))
            .map((o) => {
              const c = changesOf(o);
              return orgRow(o, {
                num_users_added: c.added,
                num_users_removed: c.removed,
                net_users_change: c.added - c.removed,
              });
            });
          break;
      }
      out.set(`${report}#${interval}`, rows);
    }
  }
  return out;
}
