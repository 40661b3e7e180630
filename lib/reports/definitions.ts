import { DAY_MS } from "../time.js";

/**
 * The 8 report routes and their intervals (CONTRACT §6): 24 report × interval snapshots per environment.
 * `days` is the window length N of the interval (Weekly = 7, Monthly = 30).
 */

export type ReportName =
  | "user_report/top_inviter"
  | "user_report/champion"
  | "user_report/reengagement"
  | "user_report/churn"
  | "org_report/reengagement"
  | "org_report/churn"
  | "org_report/growth"
  | "org_report/attrition";

export interface ReportDefinition {
  name: ReportName;
  subject: "user" | "org";
  /** Allowed `report_interval` values, as clients spell them. */
  intervals: readonly string[];
}

const days30 = ["30", "60", "90"] as const;
const periods = ["Weekly", "Monthly"] as const;
const churnDays = ["7", "14", "30"] as const;

export const REPORTS: readonly ReportDefinition[] = [
  { name: "user_report/top_inviter", subject: "user", intervals: days30 },
  { name: "user_report/champion", subject: "user", intervals: days30 },
  { name: "user_report/reengagement", subject: "user", intervals: periods },
  { name: "user_report/churn", subject: "user", intervals: churnDays },
  { name: "org_report/reengagement", subject: "org", intervals: periods },
  { name: "org_report/churn", subject: "org", intervals: churnDays },
  { name: "org_report/growth", subject: "org", intervals: days30 },
  { name: "org_report/attrition", subject: "org", intervals: days30 },
];

/** Window length in ms of an interval value. */
export function intervalMs(interval: string): number {
  if (interval === "Weekly") return 7 * DAY_MS;
  if (interval === "Monthly") return 30 * DAY_MS;
  return Number(interval) * DAY_MS;
}

/** The longest look-back any report needs: 90-day windows, and 2 × 30 days for Monthly reengagement. */
export const LOOKBACK_MS = 90 * DAY_MS;

/** Key of a report × interval in the snapshot pointer's `counts` (CurrentReportItem). */
export function countKey(report: ReportName, interval: string): string {
  return `${report}#${interval}`;
}
