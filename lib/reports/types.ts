/**
 * Plain-data inputs and outputs of the report computation (lib/reports/compute.ts): what the refresh parts
 * reads from storage, and the rows a snapshot stores. Instants are epoch milliseconds unless said otherwise.
 */

export interface ReportUser {
  user_id: string;
  username: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  created_at: number;
  first_active_at: number;
  last_active_at: number;
  deleted_at?: number;
}

export interface ReportOrg {
  org_id: string;
  name: string | null;
  created_at: number;
  first_active_at: number;
  last_active_at: number;
}

export interface ReportMembership {
  user_id: string;
  org_id: string;
  role: string | null;
  /** When the current membership started; memberships starting after T are not counted at T. */
  since: number;
}

/** One id's activity on one UTC day: its first and last activity instant of that day. */
export interface DayActivity {
  id: string;
  day: string;
  min_at: number;
  max_at: number;
}

export interface ReportInvite {
  inviter_id: string;
  at: number;
}

export interface ReportMemberChange {
  org_id: string;
  user_id: string;
  change: "added" | "removed";
  at: number;
}

export interface ReportInputs {
  /** The snapshot's instant T (ms, whole seconds). */
  time: number;
  users: ReportUser[];
  orgs: ReportOrg[];
  memberships: ReportMembership[];
  /** Day activity of users / orgs for (at least) the days the windows touch: the last 90 days before T. */
  userDays: DayActivity[];
  orgDays: DayActivity[];
  /** Invites and membership changes of (at least) the last 90 days. */
  invites: ReportInvite[];
  memberChanges: ReportMemberChange[];
}

export interface OrgData {
  display_name: string | null;
  org_id: string;
  user_role: string | null;
}

export interface UserRow {
  id: string;
  report_id: string;
  user_id: string;
  user_created_at: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  last_active_at: number;
  org_data: OrgData[];
  extra_properties?: Record<string, number>;
}

export interface OrgRow {
  id: string;
  report_id: string;
  org_id: string;
  name: string | null;
  num_users: number;
  org_created_at: number;
  extra_properties?: Record<string, number>;
}

export type ReportRow = UserRow | OrgRow;
