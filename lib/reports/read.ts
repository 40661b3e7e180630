import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { getEnvironment } from "../auth/credentials.js";
import { batchGetAll } from "../storage/batch.js";
import type { Store } from "../storage/client.js";
import type { CurrentReportItem, OrgItem, UserItem } from "../storage/items.js";
import { keys } from "../storage/tableDesign.js";
import { toUnixSeconds } from "../time.js";
import { existsAt, rowId } from "./compute.js";
import { countKey, REPORTS, type ReportName } from "./definitions.js";
import { type RankRow, readRankRows } from "./rankChunks.js";
import type { OrgData, OrgRow, ReportRow, UserRow } from "./types.js";

/**
 * Page k of a report of the current snapshot: one GetItem of the pointer, one BatchGet of the rank chunks holding
 * ranks [k·s, (k+1)·s) (≤ ⌈s/50⌉ + 1 items), then one BatchGet of the page's users or orgs (≤ s items) and, for
 * user rows, of the orgs they belong to — the cost follows the page, never the report's length (CONTRACT §7).
 *
 * As of report_time: membership in the report, the order, `last_active_at`, `num_users` and `extra_properties`.
 * Current: the descriptive fields (`username`, `email`, names, `user_created_at`, `org_data` with its org names,
 * an org's `name` and `org_created_at`). A user deleted since report_time leaves the page (which then holds fewer
 * rows); `total_count` stays the snapshot's count, so page boundaries never move between reads of one snapshot.
 */

export interface ReportPage {
  rows: ReportRow[];
  total: number;
  reportTime: number;
}

async function currentPointer(store: Store, environmentId: string): Promise<CurrentReportItem> {
  const got = await store.doc.send(
    new GetCommand({ TableName: store.tables.entities, Key: keys.currentReport(environmentId), ConsistentRead: true }),
  );
  if (got.Item) return got.Item as CurrentReportItem;
  // Every environment gets an empty snapshot at creation; this only covers data written before that rule.
  const environment = await getEnvironment(store, environmentId);
  return { report_id: "initial", report_time: environment ? toUnixSeconds(environment.created_at) : 0, counts: {} };
}

export async function readReportPage(
  store: Store,
  environmentId: string,
  report: ReportName,
  interval: string,
  pageNumber: number,
  pageSize: number,
): Promise<ReportPage> {
  const pointer = await currentPointer(store, environmentId);
  const total = pointer.counts?.[countKey(report, interval)] ?? 0;
  const first = pageNumber * pageSize;
  if (first >= total) return { rows: [], total, reportTime: pointer.report_time };
  const last = Math.min(first + pageSize, total) - 1;
  const ranks = await readRankRows(store, environmentId, pointer.report_id, report, interval, first, last);
  const context: RowContext = {
    reportId: pointer.report_id,
    report,
    interval,
    first,
    time: pointer.report_time * 1000,
  };
  const subject = REPORTS.find((r) => r.name === report)?.subject;
  const rows =
    subject === "user"
      ? await userRows(store, environmentId, ranks, context)
      : await orgRows(store, environmentId, ranks, context);
  return { rows, total, reportTime: pointer.report_time };
}

interface RowContext {
  reportId: string;
  report: ReportName;
  interval: string;
  first: number;
  /** report_time in ms. */
  time: number;
}

async function userRows(store: Store, e: string, ranks: RankRow[], c: RowContext): Promise<UserRow[]> {
  const users = new Map(
    (
      await batchGetAll<UserItem>(
        store,
        store.tables.entities,
        ranks.map(([id]) => keys.user(e, id)),
      )
    ).map((u) => [u.user_id, u]),
  );
  const orgIds = new Set<string>();
  for (const u of users.values())
    for (const m of Object.values(u.orgs ?? {})) if (m.since <= c.time) orgIds.add(m.org_id);
  const orgs = await orgsById(store, e, [...orgIds], c.time);
  const rows: UserRow[] = [];
  ranks.forEach(([id, lastActiveAt, extra], i) => {
    const u = users.get(id);
    if (!u || u.deleted_at !== undefined) return;
    const orgData: OrgData[] = Object.values(u.orgs ?? {})
      .filter((m) => m.since <= c.time && orgs.has(m.org_id))
      .map((m) => ({ display_name: orgs.get(m.org_id)?.name ?? null, org_id: m.org_id, user_role: m.role ?? null }))
      .sort((a, b) => (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : 0));
    rows.push({
      id: rowId(c.reportId, c.report, c.interval, c.first + i),
      report_id: c.reportId,
      user_id: id,
      user_created_at: toUnixSeconds(u.created_at),
      username: u.username ?? null,
      first_name: u.first_name ?? null,
      last_name: u.last_name ?? null,
      email: u.email ?? null,
      last_active_at: lastActiveAt,
      org_data: orgData,
      ...(extra ? { extra_properties: extra } : {}),
    });
  });
  return rows;
}

/** Orgs by id that existed at `time` (an org joined later is not in a row of that time). */
async function orgsById(store: Store, e: string, ids: string[], time: number): Promise<Map<string, OrgItem>> {
  const items = await batchGetAll<OrgItem>(
    store,
    store.tables.entities,
    ids.map((id) => keys.org(e, id)),
  );
  return new Map(items.filter((o) => existsAt(o, time)).map((o) => [o.org_id, o]));
}

async function orgRows(store: Store, e: string, ranks: RankRow[], c: RowContext): Promise<OrgRow[]> {
  const orgs = await orgsById(
    store,
    e,
    ranks.map(([id]) => id),
    Number.POSITIVE_INFINITY,
  );
  const rows: OrgRow[] = [];
  ranks.forEach(([id, numUsers, extra], i) => {
    const o = orgs.get(id);
    if (!o) return;
    rows.push({
      id: rowId(c.reportId, c.report, c.interval, c.first + i),
      report_id: c.reportId,
      org_id: id,
      name: o.name ?? null,
      num_users: numUsers,
      org_created_at: toUnixSeconds(o.created_at),
      ...(extra ? { extra_properties: extra } : {}),
    });
  });
  return rows;
}
