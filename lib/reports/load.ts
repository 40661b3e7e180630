import { batchGetAll, queryAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type {
  ActivitySetItem,
  InviteItem,
  MemberChangeItem,
  OrgItem,
  OrgMemberItem,
  UserItem,
} from "../storage/items.js";
import { GSI_BY_LAST_ACTIVE, GSI_BY_SIGNUP, keys } from "../storage/tableDesign.js";
import { dayOf, daysBetween } from "../time.js";
import { mapLimit } from "../util/mapLimit.js";
import { LOOKBACK_MS } from "./definitions.js";
import type {
  DayActivity,
  ReportInputs,
  ReportInvite,
  ReportMemberChange,
  ReportMembership,
  ReportOrg,
  ReportUser,
} from "./types.js";

/**
 * Reads what the report windows at T need, and only that:
 *  - users: every current user (churn lists users of any age), GSI `bySignup` up to T — deleted users are not in
 *    it, so they never enter a report;
 *  - orgs: the environment's orgs are enumerated through GSI `byLastActive` (`LA#O`, keys only, one entry per org),
 *    then their items are read with BatchGet;
 *  - memberships: the org side of each org (one Query per org, ∝ its members), which gives both `num_users` and
 *    each user's `org_data`;
 *  - the day sets of active users and orgs, invites and membership changes of the days from T − 90 days to T
 *    (one Query per day partition, a few in parallel).
 */

const PARALLEL_QUERIES = 16;

export async function loadReportInputs(store: Store, environmentId: string, time: number): Promise<ReportInputs> {
  const days = daysBetween(dayOf(time - LOOKBACK_MS), dayOf(time));
  const [users, orgs, userDays, orgDays, invites, memberChanges] = await Promise.all([
    loadUsers(store, environmentId, time),
    loadOrgs(store, environmentId),
    loadDaySets(store, environmentId, "active_users", days),
    loadDaySets(store, environmentId, "active_orgs", days),
    loadDayLog<InviteItem>(store, days, (day) => keys.invitesPk(environmentId, day)),
    loadDayLog<MemberChangeItem>(store, days, (day) => keys.memberChangesPk(environmentId, day)),
  ]);
  const memberships = await loadMemberships(
    store,
    environmentId,
    orgs.map((o) => o.org_id),
  );
  return {
    time,
    users,
    orgs,
    memberships,
    userDays,
    orgDays,
    invites: invites.map((i): ReportInvite => ({ inviter_id: i.inviter_id, at: i.at })),
    memberChanges: memberChanges.map(
      (c): ReportMemberChange => ({ org_id: c.org_id, user_id: c.user_id, change: c.change, at: c.at }),
    ),
  };
}

async function loadUsers(store: Store, environmentId: string, time: number): Promise<ReportUser[]> {
  // Sign-up keys are `{created ISO}#{user}`: everything up to the T's ISO plus any id is created ≤ T.
  const items = await queryAll<UserItem>(store, {
    TableName: store.tables.entities,
    IndexName: GSI_BY_SIGNUP,
    KeyConditionExpression: "gsi1pk = :pk AND gsi1sk < :upTo",
    ExpressionAttributeValues: {
      ":pk": keys.signupIndexPk(environmentId),
      ":upTo": `${new Date(time).toISOString()}#\uffff`,
    },
  });
  return items.map((u) => ({
    user_id: u.user_id,
    username: u.username ?? null,
    email: u.email ?? null,
    first_name: u.first_name ?? null,
    last_name: u.last_name ?? null,
    created_at: u.created_at,
    first_active_at: u.first_active_at,
    last_active_at: u.last_active_at,
    ...(u.deleted_at !== undefined ? { deleted_at: u.deleted_at } : {}),
  }));
}

async function loadOrgs(store: Store, environmentId: string): Promise<ReportOrg[]> {
  const entries = await queryAll<{ pk: string; sk: string }>(store, {
    TableName: store.tables.entities,
    IndexName: GSI_BY_LAST_ACTIVE,
    KeyConditionExpression: "gsi2pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.lastActiveIndexPk(environmentId, "O") },
  });
  const items = await batchGetAll<OrgItem>(
    store,
    store.tables.entities,
    entries.map(({ pk, sk }) => ({ pk, sk })),
  );
  return items.map((o) => ({
    org_id: o.org_id,
    name: o.name ?? null,
    created_at: o.created_at,
    first_active_at: o.first_active_at,
    last_active_at: o.last_active_at,
  }));
}

async function loadMemberships(store: Store, environmentId: string, orgIds: string[]): Promise<ReportMembership[]> {
  const perOrg = await mapLimit(orgIds, PARALLEL_QUERIES, async (orgId) => {
    const members = await queryAll<OrgMemberItem>(store, {
      TableName: store.tables.entities,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": keys.orgPk(environmentId, orgId), ":prefix": keys.orgMemberPrefix },
    });
    return members.map(
      (m): ReportMembership => ({ user_id: m.user_id, org_id: orgId, role: m.role ?? null, since: m.since }),
    );
  });
  return perOrg.flat();
}

async function loadDaySets(
  store: Store,
  environmentId: string,
  metric: "active_users" | "active_orgs",
  days: string[],
): Promise<DayActivity[]> {
  const perDay = await mapLimit(days, PARALLEL_QUERIES, async (day) => {
    const items = await queryAll<ActivitySetItem & { sk: string }>(store, {
      TableName: store.tables.activity,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.activitySetPk(environmentId, metric, "day", day) },
    });
    return items.map((i): DayActivity => ({ id: i.sk, day, min_at: i.min_at, max_at: i.max_at }));
  });
  return perDay.flat();
}

async function loadDayLog<T>(store: Store, days: string[], pkOf: (day: string) => string): Promise<T[]> {
  const perDay = await mapLimit(days, PARALLEL_QUERIES, (day) =>
    queryAll<T>(store, {
      TableName: store.tables.activity,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pkOf(day) },
    }),
  );
  return perDay.flat();
}
