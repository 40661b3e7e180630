import { countKey, intervalMs, REPORTS, type ReportName } from "./definitions.js";
import type {
  DayActivity,
  OrgData,
  OrgRow,
  ReportInputs,
  ReportMembership,
  ReportOrg,
  ReportRow,
  ReportUser,
  UserRow,
} from "./types.js";
import { activeDaysWithin, activeWithin } from "./windows.js";

/**
 * The 24 report rankings (CONTRACT §6) from plain data, without I/O. Windows are `[T − N·24h, T)`; only users and
 * orgs that exist at T take part; ties are broken by id ascending.
 */

/** One ranked member of a report, before it is shaped into a row. */
export interface Ranked<S> {
  subject: S;
  /** Sort keys, compared in order, all descending. */
  score: number[];
  extra?: Record<string, number>;
}

export interface ComputedReport {
  report: ReportName;
  interval: string;
  rows: ReportRow[];
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

export function existsAt(subject: { created_at: number; deleted_at?: number }, time: number): boolean {
  return subject.created_at <= time && (subject.deleted_at === undefined || subject.deleted_at > time);
}

/** Sorts by every score descending, then by id ascending (code-unit order); shared with the refresh parts. */
export function rank<S>(entries: Ranked<S>[], idOf: (subject: S) => string): Ranked<S>[] {
  return entries.sort((x, y) => {
    for (let i = 0; i < x.score.length; i++) {
      const d = (y.score[i] as number) - (x.score[i] as number);
      if (d !== 0) return d;
    }
    const a = idOf(x.subject);
    const b = idOf(y.subject);
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Every report × interval of the snapshot `reportId` at `inputs.time`. */
export function computeReports(inputs: ReportInputs, reportId: string): ComputedReport[] {
  const T = inputs.time;
  const users = inputs.users.filter((u) => existsAt(u, T));
  const orgs = inputs.orgs.filter((o) => existsAt(o, T));
  const userIds = new Set(users.map((u) => u.user_id));
  const orgById = new Map(orgs.map((o) => [o.org_id, o]));
  const memberships = inputs.memberships.filter((m) => m.since <= T && userIds.has(m.user_id) && orgById.has(m.org_id));
  const membershipsOfUser = groupBy(memberships, (m) => m.user_id);
  const membersOfOrg = groupBy(memberships, (m) => m.org_id);
  const userDays = groupBy(inputs.userDays, (d) => d.id);
  const orgDays = groupBy(inputs.orgDays, (d) => d.id);
  const none: DayActivity[] = [];

  const orgData = (userId: string): OrgData[] =>
    (membershipsOfUser.get(userId) ?? [])
      .map((m: ReportMembership) => ({
        display_name: orgById.get(m.org_id)?.name ?? null,
        org_id: m.org_id,
        user_role: m.role,
      }))
      .sort((a, b) => (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : 0));

  const userRows = (report: ReportName, interval: string, ranked: Ranked<ReportUser>[]): UserRow[] =>
    rank(ranked, (u) => u.user_id).map(({ subject: u, extra }, i) => ({
      id: rowId(reportId, report, interval, i),
      report_id: reportId,
      user_id: u.user_id,
      user_created_at: seconds(u.created_at),
      username: u.username,
      first_name: u.first_name,
      last_name: u.last_name,
      email: u.email,
      last_active_at: seconds(u.last_active_at),
      org_data: orgData(u.user_id),
      ...(extra ? { extra_properties: extra } : {}),
    }));

  const orgRows = (report: ReportName, interval: string, ranked: Ranked<ReportOrg>[]): OrgRow[] =>
    rank(ranked, (o) => o.org_id).map(({ subject: o, extra }, i) => ({
      id: rowId(reportId, report, interval, i),
      report_id: reportId,
      org_id: o.org_id,
      name: o.name,
      num_users: membersOfOrg.get(o.org_id)?.length ?? 0,
      org_created_at: seconds(o.created_at),
      ...(extra ? { extra_properties: extra } : {}),
    }));

  /** Active in the last period, not in the one before, and active before both (reengagement, users and orgs). */
  const reengaged = (days: DayActivity[], firstActiveAt: number, period: number) =>
    firstActiveAt < T - 2 * period &&
    activeWithin(days, T - period, T) &&
    !activeWithin(days, T - 2 * period, T - period);

  const compute = (report: ReportName, interval: string): ReportRow[] => {
    const n = intervalMs(interval);
    const from = T - n;
    switch (report) {
      case "user_report/top_inviter": {
        const invites = new Map<string, number>();
        for (const invite of inputs.invites)
          if (invite.at >= from && invite.at < T)
            invites.set(invite.inviter_id, (invites.get(invite.inviter_id) ?? 0) + 1);
        return userRows(
          report,
          interval,
          users.flatMap((u) => {
            const num = invites.get(u.user_id) ?? 0;
            return num > 0 ? [{ subject: u, score: [num], extra: { num_invites: num } }] : [];
          }),
        );
      }
      case "user_report/champion":
        return userRows(
          report,
          interval,
          users.flatMap((u) => {
            const num = activeDaysWithin(userDays.get(u.user_id) ?? none, from, T);
            return num > 0 ? [{ subject: u, score: [num], extra: { num_active_days: num } }] : [];
          }),
        );
      case "user_report/reengagement":
        return userRows(
          report,
          interval,
          users
            .filter((u) => reengaged(userDays.get(u.user_id) ?? none, u.first_active_at, n))
            .map((u) => ({ subject: u, score: [u.last_active_at] })),
        );
      case "user_report/churn":
        return userRows(
          report,
          interval,
          users.filter((u) => u.last_active_at < from).map((u) => ({ subject: u, score: [u.last_active_at] })),
        );
      case "org_report/reengagement":
        return orgRows(
          report,
          interval,
          orgs
            .filter((o) => reengaged(orgDays.get(o.org_id) ?? none, o.first_active_at, n))
            .map((o) => ({ subject: o, score: [o.last_active_at] })),
        );
      case "org_report/churn":
        return orgRows(
          report,
          interval,
          orgs.filter((o) => o.last_active_at < from).map((o) => ({ subject: o, score: [o.last_active_at] })),
        );
      case "org_report/growth":
      case "org_report/attrition": {
        const changes = new Map<string, { added: number; removed: number }>();
        for (const change of inputs.memberChanges) {
          if (change.at < from || change.at >= T) continue;
          const counts = changes.get(change.org_id) ?? { added: 0, removed: 0 };
          if (change.change === "added") counts.added++;
          else counts.removed++;
          changes.set(change.org_id, counts);
        }
        const growth = report === "org_report/growth";
        return orgRows(
          report,
          interval,
          orgs.flatMap((o) => {
            const c = changes.get(o.org_id);
            if (!c || (growth ? c.added + c.removed === 0 : c.removed === 0)) return [];
            return growth
              ? [
                  {
                    subject: o,
                    score: [c.added - c.removed],
                    extra: { num_users_added: c.added, num_users_removed: c.removed },
                  },
                ]
              : [
                  {
                    subject: o,
                    score: [c.removed],
                    extra: {
                      num_users_added: c.added,
                      num_users_removed: c.removed,
                      net_users_change: c.added - c.removed,
                    },
                  },
                ];
          }),
        );
      }
    }
  };

  return REPORTS.flatMap((definition) =>
    definition.intervals.map((interval) => ({
      report: definition.name,
      interval,
      rows: compute(definition.name, interval),
    })),
  );
}

/** Row ids are unique across every snapshot: the snapshot id, the report, its interval and the rank. */
export function rowId(reportId: string, report: ReportName, interval: string, rank: number): string {
  return `${reportId}:${report.replace("/", ".")}:${interval}:${rank}`;
}

/** Row counts for the snapshot pointer. */
export function reportCounts(reports: readonly ComputedReport[]): Record<string, number> {
  return Object.fromEntries(reports.map((r) => [countKey(r.report, r.interval), r.rows.length]));
}
