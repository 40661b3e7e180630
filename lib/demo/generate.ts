import { DAY_MS, startOfDay } from "../time.js";
import { type Random, seededRandom } from "./random.js";

/**
 * A plausible engagement history for the local demo environment: orgs and users signing up over the period
 * (more towards its end), daily activity that differs by user (power users, regulars, casuals; some churn and some
 * of those come back), invites, members joining and leaving orgs, a few renames and deletions. Pure and seeded:
 * the same options give the same events, so tests can check what it produces.
 */
export interface DemoOptions {
  /** Events end before this instant (ms). */
  now: number;
  seed?: number;
  days?: number;
  users?: number;
  orgs?: number;
}

export interface DemoEvent {
  type: string;
  occurred_at: string;
  event_id: string;
  [field: string]: unknown;
}

const FIRST_NAMES = [
  "Ada",
  "Alan",
  "Grace",
  "Linus",
  "Margaret",
  "Ken",
  "Barbara",
  "Dennis",
  "Frances",
  "Edsger",
  "Radia",
  "Tim",
  "Hedy",
  "John",
  "Katherine",
  "Donald",
  "Shafi",
  "Leslie",
  "Sophie",
  "Guido",
] as const;
const LAST_NAMES = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Torvalds",
  "Hamilton",
  "Thompson",
  "Liskov",
  "Ritchie",
  "Allen",
  "Dijkstra",
  "Perlman",
  "Berners-Lee",
  "Lamarr",
  "Backus",
  "Johnson",
  "Knuth",
  "Goldwasser",
  "Lamport",
] as const;
const ORG_WORDS = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay",
  "Stark",
  "Wayne",
  "Tyrell",
  "Cyberdyne",
  "Soylent",
  "Massive",
  "Aperture",
  "Wonka",
  "Oscorp",
] as const;
const ORG_SUFFIXES = ["Labs", "Systems", "Industries", "Analytics", "Cloud", "Works"] as const;
const UTM_SOURCES = ["google", "newsletter", "twitter", "linkedin", "producthunt", "partner"] as const;
const UTM_MEDIUMS = ["cpc", "email", "social", "referral"] as const;
const UTM_CAMPAIGNS = ["spring_launch", "webinar", "free_trial", "retargeting"] as const;
const PLANS = ["free", "pro", "team"] as const;

/** How often a kind of user is active on a weekday; weekends are half as busy. */
const ENGAGEMENT = [
  { kind: "power", share: 0.15, pActive: 0.75 },
  { kind: "regular", share: 0.45, pActive: 0.35 },
  { kind: "casual", share: 0.4, pActive: 0.1 },
] as const;

interface Draft {
  at: number;
  type: string;
  fields: Record<string, unknown>;
}

function pad(n: number): string {
  return String(n).padStart(4, "0");
}

function engagementOf(random: Random): number {
  let roll = random.next();
  for (const { share, pActive } of ENGAGEMENT) {
    if (roll < share) return pActive;
    roll -= share;
  }
  return ENGAGEMENT[1].pActive;
}

export function generateDemoEvents(options: DemoOptions): DemoEvent[] {
  const { now, seed = 42, days = 90, users = 300, orgs = 30 } = options;
  const random = seededRandom(seed);
  const end = now - 60_000;
  const start = end - days * DAY_MS;
  const span = end - start;
  const drafts: Draft[] = [];
  const emit = (at: number, type: string, fields: Record<string, unknown>) => {
    if (at >= start && at < end) drafts.push({ at: Math.floor(at), type, fields });
  };

  // Orgs: the first exists from the start, so every user has one to join.
  const orgCreatedAt: number[] = [];
  const orgIds: string[] = [];
  for (let i = 0; i < orgs; i++) {
    const orgId = `org_${pad(i + 1)}`;
    const at = i === 0 ? start : start + random.next() * span * 0.85;
    orgIds.push(orgId);
    orgCreatedAt.push(at);
    emit(at, "org.created", { org_id: orgId, name: `${random.pick(ORG_WORDS)} ${random.pick(ORG_SUFFIXES)}` });
    if (random.chance(0.1)) {
      emit(at + random.next() * (end - at), "org.updated", {
        org_id: orgId,
        name: `${random.pick(ORG_WORDS)} ${random.pick(ORG_SUFFIXES)}`,
      });
    }
  }
  // A few old orgs go quiet two months before the end (org churn); some wake up in the last days (reengagement).
  const quietOrgs = new Map<string, { from: number; until: number }>();
  orgIds.forEach((orgId, i) => {
    // Not the first org: early users all join it, and it keeps the first weeks lively.
    if (i === 0 || quietOrgs.size >= 6 || (orgCreatedAt[i] as number) >= end - 65 * DAY_MS || !random.chance(0.4))
      return;
    // Every other one comes back: both org churn and org reengagement have rows.
    quietOrgs.set(orgId, { from: end - 62 * DAY_MS, until: quietOrgs.size % 2 === 1 ? end - 3 * DAY_MS : end });
  });
  const orgMembers = new Map<string, number>();
  const existingOrgsAt = (at: number) => orgIds.filter((_, i) => (orgCreatedAt[i] as number) <= at);

  for (let u = 0; u < users; u++) {
    const userId = `user_${pad(u + 1)}`;
    // sqrt: sign-ups grow towards the end of the period.
    const signup = start + Math.sqrt(random.next()) * span;
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const created: Record<string, unknown> = {
      user_id: userId,
      username: `${first.toLowerCase()}.${last.toLowerCase()}${u + 1}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}${u + 1}@example.com`,
      first_name: first,
      last_name: last,
      profile: { plan: random.pick(PLANS) },
    };
    if (random.chance(0.7)) {
      created.signup_query_parameters = {
        utm_source: random.pick(UTM_SOURCES),
        utm_medium: random.pick(UTM_MEDIUMS),
        utm_campaign: random.pick(UTM_CAMPAIGNS),
      };
    }
    emit(signup, "user.created", created);

    const deletedAt = random.chance(0.03) ? signup + random.next() * (end - signup) : end;
    const memberships: { orgId: string; since: number }[] = [];
    const join = (at: number, orgId: string) => {
      if (at >= deletedAt || memberships.some((m) => m.orgId === orgId)) return;
      const members = orgMembers.get(orgId) ?? 0;
      orgMembers.set(orgId, members + 1);
      memberships.push({ orgId, since: at });
      emit(at, "org.member_added", {
        org_id: orgId,
        user_id: userId,
        role: members === 0 ? "owner" : random.pick(["member", "member", "admin"]),
      });
    };
    join(signup + random.int(5, 120) * 1000, random.pick(existingOrgsAt(signup)));
    if (random.chance(0.2)) {
      const at = signup + random.next() * (deletedAt - signup);
      const lively = existingOrgsAt(at).filter((orgId) => !quietOrgs.has(orgId));
      if (lively.length > 0) join(at, random.pick(lively));
    }
    for (const membership of [...memberships]) {
      if (!random.chance(0.1)) continue;
      const at = membership.since + random.next() * (deletedAt - membership.since);
      if (at < deletedAt) emit(at, "org.member_removed", { org_id: membership.orgId, user_id: userId });
    }
    if (random.chance(0.1)) {
      emit(signup + random.next() * (deletedAt - signup), "user.updated", {
        user_id: userId,
        profile: { plan: "pro" },
      });
    }

    // Activity: a daily chance by engagement; a churner stops at some point, and some churners come back later.
    const pActive = engagementOf(random);
    const churnsAt = random.chance(0.3) ? signup + random.next() * (deletedAt - signup) : deletedAt;
    const returnsAt = churnsAt < deletedAt && random.chance(0.35) ? churnsAt + random.int(10, 25) * DAY_MS : deletedAt;
    const quiet = memberships.flatMap((m) => quietOrgs.get(m.orgId) ?? []);
    const isActiveTime = (at: number) =>
      at > signup &&
      at < deletedAt &&
      (at < churnsAt || at >= returnsAt) &&
      !quiet.some((q) => at >= q.from && at < q.until);
    for (let day = startOfDay(signup); day < deletedAt; day += DAY_MS) {
      const weekend = [0, 6].includes(new Date(day).getUTCDay());
      if (!random.chance(weekend ? pActive / 2 : pActive)) continue;
      const sessions = random.int(1, 3);
      for (let s = 0; s < sessions; s++) {
        const at = day + random.next() * DAY_MS;
        if (isActiveTime(at)) emit(at, "user.active", { user_id: userId });
      }
      const inviteAt = day + random.next() * DAY_MS;
      if (isActiveTime(inviteAt) && random.chance(pActive > 0.5 ? 0.08 : 0.02)) {
        const orgId = memberships[0]?.orgId;
        emit(inviteAt, "user.invited", {
          user_id: userId,
          invitee_email: `invitee${random.int(1, 99_999)}@example.org`,
          ...(orgId ? { org_id: orgId } : {}),
        });
      }
    }
    if (deletedAt < end) emit(deletedAt, "user.deleted", { user_id: userId });
  }

  drafts.sort((a, b) => a.at - b.at);
  return drafts.map((draft, i) => ({
    type: draft.type,
    ...draft.fields,
    occurred_at: new Date(draft.at).toISOString(),
    event_id: `demo-${seed}-${i + 1}`,
  }));
}
