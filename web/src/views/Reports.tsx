import type { ComponentChildren } from "preact";
import {
  type ApiCredentials,
  downloadReportCsv,
  fetchReport,
  type OrgReportRow,
  REPORTS,
  type ReportInfo,
  type ReportPage,
  type UserReportRow,
} from "../api.js";
import { DownloadCsv } from "../downloadCsv.js";
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
      {(page) => (
        <ReportPageView
          report={report}
          page={page}
          onPage={onPage}
          download={<DownloadCsv download={() => downloadReportCsv(credentials, report.name, interval)} />}
        />
      )}
    </Load>
  );
}

function ReportPageView({
  report,
  page,
  onPage,
  download,
}: {
  report: ReportInfo;
  page: ReportPage;
  onPage: (page: number) => void;
  download: ComponentChildren;
}) {
  const pages = Math.max(1, Math.ceil(page.totalCount / page.pageSize));
  const rows = "userReports" in page ? page.userReports : page.orgReports;
  return (
    <>
      <p class="meta">
        As of <time dateTime={new Date(page.reportTime * 1000).toISOString()}>{formatUnix(page.reportTime)}</time>
        {" · "}
        <span class="total">{formatNumber(page.totalCount)}</span> {report.subject === "user" ? "users" : "orgs"}
        {" · "}
        {download}
      </p>
      {rows.length === 0 ? (
        <Empty>
          {page.totalCount === 0
            ? `No ${report.subject}s in this report at that time.`
            : "This page is past the last one."}
        </Empty>
      ) : "userReports" in page ? (
        <UserTable rows={page.userReports} report={report} />
      ) : (
        <OrgTable rows={page.orgReports} report={report} />
      )}
      <nav class="pager" aria-label="Report pages">
        <button type="button" disabled={page.currentPage <= 0} onClick={() => onPage(page.currentPage - 1)}>
          Previous
        </button>
        <span aria-live="polite">
          Page {page.currentPage + 1} of {pages}
        </span>
        <button type="button" disabled={!page.hasMoreResults} onClick={() => onPage(page.currentPage + 1)}>
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
              value={page.currentPage + 1}
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

function fullName(row: UserReportRow): string | null {
  const name = [row.firstName, row.lastName].filter(Boolean).join(" ");
  return name || row.username;
}

function UserTable({ rows, report }: { rows: UserReportRow[]; report: ReportInfo }) {
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
            <ExtraHeaders report={report} />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-row-id={row.id} data-subject-id={row.userId}>
              <th scope="row">
                <a href={href(["users", row.userId])}>{fullName(row) ?? row.userId}</a>
                <span class="sub">{row.userId}</span>
              </th>
              <td>{dash(row.email)}</td>
              <td>
                {row.orgData.length === 0
                  ? "—"
                  : row.orgData
                      .map((o) => `${o.displayName ?? o.orgId}${o.userRole ? ` (${o.userRole})` : ""}`)
                      .join(", ")}
              </td>
              <td class="date">{formatUnixDate(row.userCreatedAt)}</td>
              <td class="date">{formatUnix(row.lastActiveAt)}</td>
              <ExtraCells report={report} values={row.extraProperties} />
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The report's `extra_properties` columns, the same for user and org rows. */
function ExtraHeaders({ report }: { report: ReportInfo }) {
  return (
    <>
      {report.extra.map((x) => (
        <th key={x.key} scope="col" class="num">
          {x.title}
        </th>
      ))}
    </>
  );
}

function ExtraCells({ report, values }: { report: ReportInfo; values: Record<string, number> | undefined }) {
  return (
    <>
      {report.extra.map((x) => (
        <td key={x.key} class="num">
          {formatNumber(values?.[x.key] ?? 0)}
        </td>
      ))}
    </>
  );
}

function OrgTable({ rows, report }: { rows: OrgReportRow[]; report: ReportInfo }) {
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
            <ExtraHeaders report={report} />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-row-id={row.id} data-subject-id={row.orgId}>
              <th scope="row">
                {row.name ?? row.orgId}
                <span class="sub">{row.orgId}</span>
              </th>
              <td class="num">{formatNumber(row.numUsers)}</td>
              <td class="date">{formatUnixDate(row.orgCreatedAt)}</td>
              <ExtraCells report={report} values={row.extraProperties} />
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
