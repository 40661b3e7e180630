/**
 * Shapes of the stored items (attributes besides the keys of tableDesign.ts). Instants are epoch milliseconds.
 * Activity sets and counters are in the activity table; snapshot rows in the reports table; the rest in entities.
 */

export interface UserItem {
  user_id: string;
  username: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  /**
   * `profile` and `signup_query_parameters` as JSON text: any key a client sends (`__proto__`, `constructor`) and
   * any nesting the validation allows are stored and returned exactly as sent (a DynamoDB map can do neither).
   */
  profile_json: string;
  signup_query_parameters_json: string;
  /**
   * Set once those two fields outgrew the hot item (lib/storage/userProfile.ts): they are then stored on the user's
   * `PROFILE` item, and every reader joins them back.
   */
  profile_apart?: boolean;
  created_at: number;
  last_modified: number;
  /** Earliest and latest activity (user.active events and sign-up). */
  first_active_at: number;
  last_active_at: number;
  /** Set once the user is deleted: it then leaves every list of current users. */
  deleted_at?: number;
  /**
   * Hashes of every email the user ever had (lib/ingest/emailHash.ts), sorted: what its erasure looks up invites
   * by. Absent when it never had one; dropped, with the other personal fields, when it is erased.
   */
  email_hashes?: string[];
  /** Set once the user is erased (`user.erased`): deleted, and its personal fields are gone from every item. */
  erased_at?: number;
  /**
   * Its current memberships, sorted by org id, on the item itself so that ingestion loads a batch's users and their
   * orgs with one BatchGet per 100 users. A list, not a map keyed by org id: an org id may be any string
   * (`constructor`, `__proto__`), which a map key can't carry through the SDK's marshalling.
   */
  orgs?: UserMembershipItem[];
  /** The days it was active: one bitmap per year (lib/ingest/activeDays.ts), what its set counters move by. */
  active_days?: Record<string, string>;
  /** The clock hours it was active in: per year, a mask per active day (lib/ingest/activeHours.ts). */
  active_hours?: Record<string, string>;
  /** Optimistic-lock counter of the ingestion's versioned writes. */
  version: number;
}

/** One of a user's memberships, as kept in the `orgs` map of its item. */
export interface UserMembershipItem {
  org_id: string;
  role: string | null;
  since: number;
}

export interface OrgItem {
  org_id: string;
  name: string | null;
  created_at: number;
  first_active_at: number;
  last_active_at: number;
  /** The days it was active (as on UserItem). */
  active_days?: Record<string, string>;
  version: number;
}

/** The org's side of a membership (pk: org, sk `MEMBER#{user}`): its members in one Query. */
export interface OrgMemberItem {
  user_id: string;
  role: string | null;
  since: number;
}

/**
 * Member of a bucket's set of active users / orgs (pk `SET#{metric}#{cadence}#{bucket}`, sk: the id).
 * Day sets keep the first and last activity instant of that day, so windows that start or end inside a day
 * (`[T − N·24h, T)`) are decided exactly. A user's member also keeps, for each clock hour HH of the day it was active
 * in, its first and last instant within that hour (ms since the hour's start) as `hHHn` / `hHHx`
 * (lib/ingest/hourBounds.ts).
 */
export interface ActivitySetItem {
  min_at: number;
  max_at: number;
  [hourBound: `h${string}${"n" | "x"}`]: number;
}

export interface InviteItem {
  inviter_id: string;
  invitee_email: string;
  org_id: string | null;
  at: number;
}

/** Index of the invite log by invitee (pk `INVTO#{email hash}`): the invite item's key, for erasure. */
export interface InviteToItem {
  invite_pk: string;
  invite_sk: string;
}

/**
 * A user's erasure job (pk `E#{E}#ERASE`, sk the user id): recorded by ingestion with the `user.erased` that
 * erases it, then worked through by lib/tenants/erasureJob.ts (its progress saved here, so it resumes).
 */
export interface ErasureJobItem {
  environment_id: string;
  user_id: string;
  /** The event's instant. */
  requested_at: number;
  /** Hashes of the emails the user ever had: removed once their invites are scrubbed. */
  email_hashes?: string[];
  /** When the job first found the user item erased (ms): snapshots planned after it are clean. */
  confirmed_at?: number;
  /** The snapshot being scrubbed and the next chunk to read (an index into its user chunks' keys). */
  scrub_cursor?: { report_id: string; position: number };
  /** Snapshots scrubbed to the end. */
  scrubbed?: string[];
  invites?: number;
  snapshot_rows?: number;
  /** Set when the job is finished. */
  done_at?: number;
}

export interface MemberChangeItem {
  org_id: string;
  user_id: string;
  change: "added" | "removed";
  at: number;
}

export interface EnvironmentItem {
  environment_id: string;
  name: string;
  created_at: number;
}

export interface ApiKeyItem {
  key_id: string;
  environment_id: string;
  secret_sha256: string;
  permissions: ApiKeyPermission[];
  revoked: boolean;
  created_at: number;
}

export type ApiKeyPermission = "read" | "ingest";

export interface UserTokenItem {
  token_id: string;
  environment_id: string;
  user_id: string;
  secret_sha256: string;
  permissions: string[];
  revoked: boolean;
  created_at: number;
}

/** Pointer to the current snapshot: switched in one conditional write once every row is written. */
export interface CurrentReportItem {
  report_id: string;
  /** Unix seconds of the snapshot's instant T. */
  report_time: number;
  /** Row count of each report, keyed `{report}#{interval}` (e.g. `user_report/churn#7`). */
  counts: Record<string, number>;
  /**
   * The lists written in shards (churn): per `{report}#{interval}`, each shard's id and row count in rank order.
   * A list absent here is one run of chunks numbered from 0.
   */
  shards?: Record<string, [shard: string, rows: number, attempt?: string][]>;
  /**
   * The part delivery (attempt) whose chunks each list not written in shards is, per `{report}#{interval}`; a
   * shard's attempt is the third element of its entry. Absent in snapshots made before attempts were recorded.
   */
  attempts?: Record<string, string>;
  /**
   * The snapshot this one replaced (set by the switch, lib/reports/snapshot.ts): the webhook dispatch diffs the two
   * (lib/webhooks/dispatch.ts). `initial` for the environment's empty first snapshot.
   */
  previous_report_id?: string;
  previous_report_time?: number;
}
