/**
 * A brute-force reference of the activity-by-hour routes (CONTRACT §10) over the raw events, written from the
 * contract and §3 only: replay the events in processing order to find every activity instant of every user, then
 * count distinct users by scanning all of them for each hour, group or day asked. Nothing of lib/ is used.
 */

export interface RefEvent {
  type: "user.created" | "user.active" | "user.deleted";
  user_id: string;
  occurred_at: string;
  event_id: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every (user, instant) of activity: sign-ups (created_at, moved earlier by a later-processed user.created) and user.active. */
export function activities(events: RefEvent[]): { user: string; at: number }[] {
  const seen = new Set<string>();
  const users = new Map<string, { createdAt: number; deleted: boolean }>();
  const out: { user: string; at: number }[] = [];
  for (const e of events) {
    if (seen.has(e.event_id)) continue; // a duplicate: counted once
    seen.add(e.event_id);
    const at = Date.parse(e.occurred_at);
    let u = users.get(e.user_id);
    if (!u) {
      // Any event about an unknown user creates it at the event's instant: its sign-up is activity.
      u = { createdAt: at, deleted: false };
      users.set(e.user_id, u);
      out.push({ user: e.user_id, at });
    } else if (u.deleted) continue;
    else if (e.type === "user.created" && at < u.createdAt) {
      u.createdAt = at;
      out.push({ user: e.user_id, at });
    }
    if (e.type === "user.active") out.push({ user: e.user_id, at });
    if (e.type === "user.deleted") u.deleted = true;
  }
  return out;
}

const parts = (ms: number) => {
  const d = new Date(ms);
  return { day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear() };
};

const distinct = (acts: { user: string; at: number }[], keep: (at: number) => boolean) =>
  new Set(acts.filter((a) => keep(a.at)).map((a) => a.user)).size;

export function expectedUsersByHour(acts: { user: string; at: number }[], start: number, end: number) {
  const week = [];
  for (let h = Math.floor(start / HOUR) * HOUR; h <= Math.floor(end / HOUR) * HOUR; h += HOUR) {
    const users = distinct(acts, (at) => at >= h && at < h + HOUR);
    if (users > 0) week.push({ users, hour: new Date(h).getUTCHours(), ...parts(h) });
  }
  return { week, success: true };
}

export function expectedHourlyData(acts: { user: string; at: number }[], start: number) {
  const hours = Array.from({ length: 12 }, (_, g) => ({
    users: distinct(acts, (at) => at >= start - DAY && at < start && Math.floor(new Date(at).getUTCHours() / 2) === g),
    hour: 2 * g,
  }));
  return { hours, success: true };
}

export function expectedWeeklyData(acts: { user: string; at: number }[], start: number) {
  const last = Math.floor(start / DAY) * DAY;
  const month = Array.from({ length: 8 }, (_, k) => {
    const d = last - (7 - k) * DAY;
    return { users: distinct(acts, (at) => at >= d && at < d + DAY), ...parts(d) };
  });
  return { month, success: true };
}
