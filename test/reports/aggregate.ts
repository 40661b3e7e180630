import type { DayActivity, ReportInputs } from "../../lib/reports/types.js";
import type { History } from "./bruteForce.js";

/**
 * The stored aggregates a refresh at T would load (see lib/reports/refreshParts.ts), built from a replayed history:
 * day items (first/last activity per id and UTC day) and the invite / membership-change logs of the days from
 * T − 90 days to T, current users (deleted ones too, marked, to exercise the filter) and orgs with their
 * memberships. This is what ingestion stores, without DynamoDB.
 */
export function aggregatesAt(h: History, T: number): ReportInputs {
  const DAY = 86_400_000;
  const firstDay = Math.floor((T - 90 * DAY) / DAY) * DAY;
  const kept = (t: number) => t >= firstDay && t < Math.floor(T / DAY) * DAY + DAY;
  const dayItems = (entries: [string, number[]][]): DayActivity[] => {
    const byKey = new Map<string, DayActivity>();
    for (const [id, instants] of entries)
      for (const t of instants.filter(kept)) {
        const day = new Date(t).toISOString().slice(0, 10);
        const item = byKey.get(`${id}|${day}`);
        if (item) {
          item.min_at = Math.min(item.min_at, t);
          item.max_at = Math.max(item.max_at, t);
        } else byKey.set(`${id}|${day}`, { id, day, min_at: t, max_at: t });
      }
    return [...byKey.values()];
  };
  const users = [...h.users.values()];
  return {
    time: T,
    users: users.map((u) => ({
      user_id: u.user_id,
      ...u.fields,
      created_at: u.created_at,
      first_active_at: Math.min(...u.activity),
      last_active_at: Math.max(...u.activity),
      ...(u.deleted_at !== undefined ? { deleted_at: u.deleted_at } : {}),
    })),
    orgs: [...h.orgs.values()].map((o) => ({
      org_id: o.org_id,
      name: o.name,
      created_at: o.created_at,
      first_active_at: Math.min(...o.activity),
      last_active_at: Math.max(...o.activity),
    })),
    memberships: users.flatMap((u) =>
      [...u.orgs.entries()].map(([org_id, m]) => ({ user_id: u.user_id, org_id, role: m.role, since: m.since })),
    ),
    userDays: dayItems(users.map((u) => [u.user_id, u.activity])),
    orgDays: dayItems([...h.orgs.values()].map((o) => [o.org_id, o.activity])),
    invites: h.invites.filter((i) => kept(i.at)),
    memberChanges: h.changes.filter((c) => kept(c.at)),
  };
}
