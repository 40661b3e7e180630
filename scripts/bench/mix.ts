import { DAY_MS } from "../../lib/time.js";

/**
 * The bench's realistic tenant (issue 10): ≈ 5 events per user; 11–12 % of users active in the last 30 days, ≈ 5 %
 * last active 30–90 days ago, 83 % dormant (nothing in the last 90 days); one org per 20 users, 30 % of users a
 * member, 15 % inviters, a few removals. Deterministic (seeded), generated user by user so a run streams it.
 */

export interface BenchEvent {
  type: string;
  occurred_at: string;
  event_id: string;
  user_id: string;
  [field: string]: unknown;
}

/** xorshift32 seeded by the user's index: the same tenant every run. */
function random(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

export const COHORTS = { active30: 0.115, recent90: 0.055 } as const;

/** The events of user i, in time order. */
export function userEvents(i: number, users: number, now: number): BenchEvent[] {
  const r = random(i + 1);
  const between = (a: number, b: number) => Math.floor(a + r() * Math.max(0, b - a));
  const p = r();
  const user_id = `u${i}`;
  let signup: number;
  let last: number;
  if (p < COHORTS.active30) {
    signup = between(now - 365 * DAY_MS, now - DAY_MS);
    last = between(Math.max(signup, now - 30 * DAY_MS), now - 60_000);
  } else if (p < COHORTS.active30 + COHORTS.recent90) {
    signup = between(now - 365 * DAY_MS, now - 31 * DAY_MS);
    last = between(Math.max(signup, now - 90 * DAY_MS), now - 30 * DAY_MS);
  } else {
    signup = between(now - 730 * DAY_MS, now - 92 * DAY_MS);
    last = between(signup, Math.min(signup + 60 * DAY_MS, now - 91 * DAY_MS));
  }
  const iso = (t: number) => new Date(t).toISOString();
  const events: BenchEvent[] = [
    {
      type: "user.created",
      occurred_at: iso(signup),
      event_id: `${user_id}-c`,
      user_id,
      email: `${user_id}@example.com`,
    },
  ];
  const orgs = Math.max(1, Math.floor(users / 20));
  const member = r() < 0.3;
  const org_id = `o${i % orgs}`;
  if (member)
    events.push({
      type: "org.member_added",
      occurred_at: iso(signup + 1000),
      event_id: `${user_id}-m`,
      user_id,
      org_id,
      role: "member",
    });
  // 3 or 4 activities: the last at `last`, the others between sign-up and it.
  const activities = 3 + (i % 2);
  const instants = Array.from({ length: activities - 1 }, () => between(signup + 2000, last))
    .concat(last)
    .sort((a, b) => a - b);
  instants.forEach((t, k) => {
    events.push({ type: "user.active", occurred_at: iso(t), event_id: `${user_id}-a${k}`, user_id });
  });
  if (r() < 0.15)
    events.push({
      type: "user.invited",
      occurred_at: iso(instants[0] as number),
      event_id: `${user_id}-i`,
      user_id,
      invitee_email: `guest-${user_id}@example.com`,
    });
  if (member && r() < 0.07)
    events.push({ type: "org.member_removed", occurred_at: iso(last), event_id: `${user_id}-r`, user_id, org_id });
  return events.sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0));
}
