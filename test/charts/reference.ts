/**
 * A brute-force chart, written from CONTRACT §2/§3/§6 alone over the raw event list, to check the service against.
 * It shares no code with lib/: its own calendar (ISO weeks by the Thursday rule), its own date parsing, and it
 * decides every membership question by rescanning the events that came before.
 */

export interface RawEvent {
  type: string;
  /** occurred_at, ms. */
  at: number;
  user_id?: string;
  org_id?: string;
}

export interface Facts {
  /** Final created_at of every user ever created (deleted ones included: history is not rewritten). */
  signups: number[];
  orgsCreated: number[];
  userActivity: { id: string; at: number }[];
  orgActivity: { id: string; at: number }[];
}

const DAY = 86_400_000;
const NEVER = Number.POSITIVE_INFINITY;

const USER_EVENTS = new Set([
  "user.created",
  "user.updated",
  "user.deleted",
  "user.active",
  "user.invited",
  "org.member_added",
  "org.member_removed",
]);

/** Replays the §3 rules, each question answered by scanning the events before position `i` (processing order). */
export function referenceFacts(events: RawEvent[]): Facts {
  const aboutUser = (u: string) => events.flatMap((e, i) => (USER_EVENTS.has(e.type) && e.user_id === u ? [i] : []));
  const userIds = [...new Set(events.flatMap((e) => (USER_EVENTS.has(e.type) && e.user_id ? [e.user_id] : [])))];

  /** Position of the user.deleted that took effect (the first one), or never. */
  const deletedAt = (u: string) => {
    const i = events.findIndex((e) => e.type === "user.deleted" && e.user_id === u);
    return i < 0 ? NEVER : i;
  };
  /** The user exists and is not deleted just before position i. */
  const liveBefore = (u: string, i: number) => (aboutUser(u)[0] ?? NEVER) < i && deletedAt(u) >= i;

  /** Is u a member of o just before position i? The last add/remove that took effect decides. */
  const memberBefore = (u: string, o: string, i: number) => {
    if (!liveBefore(u, i)) return false;
    let member = false;
    for (let j = 0; j < i; j++) {
      const e = events[j] as RawEvent;
      if (e.user_id !== u || e.org_id !== o) continue;
      if (j > deletedAt(u)) continue;
      if (e.type === "org.member_added") member = true;
      if (e.type === "org.member_removed") member = false;
    }
    return member;
  };
  const orgsOfBefore = (u: string, i: number) => {
    const orgs = new Set(events.flatMap((e) => (e.org_id ? [e.org_id] : [])));
    return [...orgs].filter((o) => memberBefore(u, o, i));
  };

  const userActivity: Facts["userActivity"] = [];
  const orgActivity: Facts["orgActivity"] = [];
  const signups: number[] = [];
  const userActive = (u: string, at: number, i: number) => {
    userActivity.push({ id: u, at });
    for (const o of orgsOfBefore(u, i)) orgActivity.push({ id: o, at });
  };

  for (const u of userIds) {
    const positions = aboutUser(u);
    const first = positions[0] as number;
    // Created by its first event, whatever it is, at that event's instant (and active then).
    let createdAt = (events[first] as RawEvent).at;
    userActive(u, createdAt, first);
    for (const i of positions) {
      if (i > deletedAt(u)) continue;
      const e = events[i] as RawEvent;
      if (e.type === "user.active") userActive(u, e.at, i);
      // A user is created once: a later user.created moves created_at earlier (a new activity instant).
      if (e.type === "user.created" && e.at < createdAt) {
        createdAt = e.at;
        userActive(u, e.at, i);
      }
    }
    signups.push(createdAt);
  }

  // Orgs exist from the first event that names them (an invite names one only when its inviter is live).
  const namesOrg = (e: RawEvent, i: number, o: string) =>
    e.org_id === o &&
    (e.type.startsWith("org.") || (e.type === "user.invited" && liveBefore(e.user_id as string, i + 1)));
  const orgIds = [...new Set(events.flatMap((e) => (e.org_id ? [e.org_id] : [])))];
  const orgsCreated: number[] = [];
  for (const o of orgIds) {
    const positions = events.flatMap((e, i) => (namesOrg(e, i, o) ? [i] : []));
    if (positions.length === 0) continue;
    let createdAt = (events[positions[0] as number] as RawEvent).at;
    orgActivity.push({ id: o, at: createdAt });
    for (const i of positions.slice(1)) {
      const e = events[i] as RawEvent;
      if (e.type === "org.created" && e.at < createdAt) {
        createdAt = e.at;
        orgActivity.push({ id: o, at: e.at });
      }
    }
    orgsCreated.push(createdAt);
  }
  return { signups, orgsCreated, userActivity, orgActivity };
}

// ---- calendar, independent of lib/time.ts ------------------------------------------------------------------

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string) => new Date(`${day}T00:00:00Z`).getTime();

/** ISO week label `YYYY-Www` by the Thursday rule: a week belongs to the year of its Thursday. */
function isoWeekLabel(day: string): string {
  const ms = dayMs(day);
  const weekday = new Date(ms).getUTCDay() || 7; // Monday 1 … Sunday 7
  const thursday = new Date(ms + (4 - weekday) * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

export type RefCadence = "Daily" | "Weekly" | "Monthly";
const label: Record<RefCadence, (day: string) => string> = {
  Daily: (day) => day,
  Weekly: isoWeekLabel,
  Monthly: (day) => day.slice(0, 7),
};

// ---- the chart ---------------------------------------------------------------------------------------------

export interface ChartParams {
  chartMetric: string;
  cadence?: string;
  start_date?: string;
  end_date?: string;
}

export type RefAnswer =
  | { status: 200; body: { chart_type: string; cadence: string; metrics: Record<string, unknown>[] } }
  | { status: 400; parameter: string };

/** UTC day of `YYYY-MM-DD` or of an ISO instant, or undefined when the text is neither. */
function utcDay(text: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return isoDay(dayMs(text)) === text ? text : undefined;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? undefined : isoDay(ms);
}

const CHART_TYPES: Record<string, string> = {
  signups: "Signups",
  orgs_created: "OrgsCreated",
  active_users: "ActiveUsers",
  active_orgs: "ActiveOrgs",
};

export function referenceChart(facts: Facts, params: ChartParams, now: number): RefAnswer {
  const chartType = CHART_TYPES[params.chartMetric];
  if (!chartType) return { status: 400, parameter: "chartMetric" };
  const cadence = (["Daily", "Weekly", "Monthly"] as const).find(
    (c) => c.toLowerCase() === (params.cadence ?? "daily").toLowerCase(),
  );
  if (!cadence) return { status: 400, parameter: "cadence" };
  const start = params.start_date === undefined ? undefined : utcDay(params.start_date);
  if (params.start_date !== undefined && !start) return { status: 400, parameter: "start_date" };
  const end = params.end_date === undefined ? isoDay(now) : utcDay(params.end_date);
  if (!end) return { status: 400, parameter: "end_date" };
  const from = start ?? isoDay(dayMs(end) - 30 * DAY);
  if (from > end) return { status: 400, parameter: "start_date" };

  // Group every day around the period by its label; the chart is the groups from from's label to end's.
  const groups: { label: string; first: string; endMs: number }[] = [];
  for (let ms = dayMs(from) - 40 * DAY; ms <= dayMs(end) + 40 * DAY; ms += DAY) {
    const l = label[cadence](isoDay(ms));
    const previous = groups.at(-1);
    if (previous?.label === l) previous.endMs = ms + DAY;
    else groups.push({ label: l, first: isoDay(ms), endMs: ms + DAY });
  }
  const firstIndex = groups.findIndex((g) => g.label === label[cadence](from));
  const lastIndex = groups.findIndex((g) => g.label === label[cadence](end));
  const buckets = groups.slice(firstIndex, lastIndex + 1);
  if (buckets.length > 1000) return { status: 400, parameter: "start_date" };

  const labelOf = (at: number) => label[cadence](isoDay(at));
  const resultOf = (bucket: string): number => {
    switch (params.chartMetric) {
      case "signups":
        return facts.signups.filter((at) => labelOf(at) === bucket).length;
      case "orgs_created":
        return facts.orgsCreated.filter((at) => labelOf(at) === bucket).length;
      case "active_users":
        return new Set(facts.userActivity.filter((a) => labelOf(a.at) === bucket).map((a) => a.id)).size;
      default:
        return new Set(facts.orgActivity.filter((a) => labelOf(a.at) === bucket).map((a) => a.id)).size;
    }
  };
  return {
    status: 200,
    body: {
      chart_type: chartType,
      cadence,
      metrics: buckets.map((b) => ({ date: b.first, result: resultOf(b.label), cadence_completed: b.endMs <= now })),
    },
  };
}
