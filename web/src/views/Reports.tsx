import {
  type ApiCredentials,
  fetchReport,
  type OrgRow,
  REPORTS,
  type ReportInfo,
  type ReportPage,
  type UserRow,
} from "../api.js";
import { formatNumber, formatUnix, formatUnixDate } from "../format.js";
import { href, navigate } from "../router.js";
import { Empty, Load } from "../states.js";
import { TableWrap } from "../tableWrap.js";
import { useRequest } from "../useRequest.js";

const PAGE_SIZES = [10, 25, 50, 100];

/** `#/reports/<user_report|org_report>/<name>?interval=..&size=..&page=..` */
export function Reports({
  credentials,
  path,
  params,
}: {
  credentials: ApiCredentials;
  path: string[];
  params: URLSearchParams;
}) {
  const name = path.join("/");
  const report = REPORTS.find((r) => r.name === name) ?? (REPORTS[0] as ReportInfo);
  const interval = report.intervals.includes(params.get("interval") ?? "")
    ? (params.get("interval") as string)
    : (report.intervals[0] as string);
  const pageSize = PAGE_SIZES.includes(Number(params.get("size"))) ? Number(params.get("size")) : 10;
  const pageNumber = Math.max(0, Math.floor(Number(params.get("page")) || 0));
  const go = (change: { interval?: string; size?: number; page?: number }) =>
    navigate(["reports", ...report.name.split("/")], {
      interval: change.interval ?? interval,
      size: change.size ?? pageSize,
      page: change.page ?? pageNumber,
    });

  return (
    <>
      <h1>Reports</h1>
      <nav class="report-nav" aria-label="Reports">
        {REPORTS.map((r) => (
          <a
            key={r.name}
            class="report-link"
            href={href(["reports", ...r.name.split("/")])}
            aria-current={r.name === report.name ? "page" : undefined}
          >
            {r.title}
          </a>
        ))}
      </nav>
      <section class="panel" aria-labelledby="report-title">
        <h2 id="report-title">{report.title}</h2>
        <div class="controls">
          <label>
            {report.intervalLabel}
            <select name="interval" value={interval} onChange={(e) => go({ interval: e.currentTarget.value, page: 0 })}>
              {report.intervals.map((i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
          </label>
          <label>
            Rows per page
            <select
              name="page-size"
              value={pageSize}
              onChange={(e) => go({ size: Number(e.currentTarget.value), page: 0 })}
            >
              {PAGE_SIZES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ReportTable
          credentials={credentials}
          report={report}
          interval={interval}
          pageSize={pageSize}
          pageNumber={pageNumber}
          onPage={(page) => go({ page })}
        />
      </section>
    </>
  );
}

interface TableProps {
  credentials: ApiCredentials;
  report: ReportInfo;
  interval: string;
  pageSize: number;
  pageNumber: number;
  onPage: (page: number) => void;
}

function ReportTable({ credentials, report, interval, pageSize, pageNumber, onPage }: TableProps) {
  const state = useRequest(
    (signal) => fetchReport(credentials, report.name, { interval, pageSize, pageNumber }, signal),
    [credentials, report.name, interval, pageSize, pageNumber],
  );
  return (
    <Load state={state} what="the report">
      {(page) => <ReportPageView report={report} page={page} onPage={onPage} />}
    </Load>
  );
}

function ReportPageView({
  report,
  page,
  onPage,
}: {
  report: ReportInfo;
  page: ReportPage;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(page.total_count / page.page_size));
  const rows = "user_reports" in page ? page.user_reports : page.org_reports;
  return (
    <>
      <p class="meta">
        As of <time dateTime={new Date(page.report_time * 1000).toISOString()}>{formatUnix(page.report_time)}</time>
        {" · "}
        <span class="total">{formatNumber(page.total_count)}</span> {report.subject === "user" ? "users" : "orgs"}
      </p>
      {rows.length === 0 ? (
        <Empty>
          {page.total_count === 0
            ? `No ${report.subject}s in this report at that time.`
            : "This page is past the last one."}
        </Empty>
      ) : "user_reports" in page ? (
        <UserTable rows={page.user_reports} report={report} />
      ) : (
        <OrgTable rows={page.org_reports} report={report} />
      )}
      <nav class="pager" aria-label="Report pages">
        <button type="button" disabled={page.current_page <= 0} onClick={() => onPage(page.current_page - 1)}>
          Previous
        </button>
        <span aria-live="polite">
          Page {page.current_page + 1} of {pages}
        </span>
        <button type="button" disabled={!page.has_more_results} onClick={() => onPage(page.current_page + 1)}>
          Next
        </button>
        {pages > 2 && (
          <label class="jump">
            Go to page
            <input
              type="number"
              name="page-number"
              min={1}
              max={pages}
              value={page.current_page + 1}
              onChange={(e) => {
                const wanted = Math.floor(Number(e.currentTarget.value));
                if (wanted >= 1 && wanted <= pages) onPage(wanted - 1);
              }}
            />
          </label>
        )}
      </nav>
    </>
  );
}

const dash = (value: string | null) => value ?? "—";

function fullName(row: UserRow): string | null {
  const name = [row.first_name, row.last_name].filter(Boolean).join(" ");
  return name || row.username;
}

function UserTable({ rows, report }: { rows: UserRow[]; report: ReportInfo }) {
  return (
    <TableWrap label={`${report.title} table`}>
      <table class="report">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Email</th>
            <th scope="col">Orgs</th>
            <th scope="col">Signed up</th>
            <th scope="col">Last active</th>
            {report.extra.map((x) => (
              <th key={x.key} scope="col" class="num">
                {x.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-row-id={row.id} data-subject-id={row.user_id}>
              <th scope="row">
                <a href={href(["users", row.user_id])}>{fullName(row) ?? row.user_id}</a>
                <span class="sub">{row.user_id}</span>
              </th>
              <td>{dash(row.email)}</td>
              <td>
                {row.org_data.length === 0
                  ? "—"
                  : row.org_data
                      .map((o) => `${o.display_name ?? o.org_id}${o.user_role ? ` (${o.user_role})` : ""}`)
                      .join(", ")}
              </td>
              <td class="date">{formatUnixDate(row.user_created_at)}</td>
              <td class="date">{formatUnix(row.last_active_at)}</td>
              {report.extra.map((x) => (
                <td key={x.key} class="num">
                  {formatNumber(row.extra_properties?.[x.key] ?? 0)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function OrgTable({ rows, report }: { rows: OrgRow[]; report: ReportInfo }) {
  return (
    <TableWrap label={`${report.title} table`}>
      <table class="report">
        <thead>
          <tr>
            <th scope="col">Org</th>
            <th scope="col" class="num">
              Members
            </th>
            <th scope="col">Created</th>
            {report.extra.map((x) => (
              <th key={x.key} scope="col" class="num">
                {x.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-row-id={row.id} data-subject-id={row.org_id}>
              <th scope="row">
                {row.name ?? row.org_id}
                <span class="sub">{row.org_id}</span>
              </th>
              <td class="num">{formatNumber(row.num_users)}</td>
              <td class="date">{formatUnixDate(row.org_created_at)}</td>
              {report.extra.map((x) => (
                <td key={x.key} class="num">
                  {formatNumber(row.extra_properties?.[x.key] ?? 0)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
