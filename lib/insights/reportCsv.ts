import { type CsvColumn, csvLines } from "../http/csv.js";
import type { StreamedHttpResponse } from "../http/types.js";
import type { ReportName } from "../reports/definitions.js";
import type { AllReportRows } from "../reports/read.js";
import type { OrgRow, ReportRow, UserRow } from "../reports/types.js";

/**
 * A report (CONTRACT §6) as a CSV download (§12): every row of the current snapshot, streamed as it is read
 * (lib/http/csv.ts writes it), the columns of §6's rows in their order, `org_data` and `extra_properties` as JSON
 * text. The snapshot's instant and row count go in headers, since a CSV body has no place for them.
 */

/** The reports whose rows carry `extra_properties` (CONTRACT §6). */
const WITH_EXTRA_PROPERTIES: ReadonlySet<ReportName> = new Set([
  "user_report/top_inviter",
  "user_report/champion",
  "org_report/growth",
  "org_report/attrition",
]);

const column = <Row>(name: keyof Row & string): CsvColumn<Row> => ({ name, value: (row) => row[name] });

const USER_COLUMNS: CsvColumn<UserRow>[] = (
  [
    "id",
    "report_id",
    "user_id",
    "user_created_at",
    "username",
    "first_name",
    "last_name",
    "email",
    "last_active_at",
    "org_data",
  ] as const
).map((name) => column<UserRow>(name));

const ORG_COLUMNS: CsvColumn<OrgRow>[] = (
  ["id", "report_id", "org_id", "name", "num_users", "org_created_at"] as const
).map((name) => column<OrgRow>(name));

export function reportCsvColumns(report: ReportName): CsvColumn<ReportRow>[] {
  const base = (report.startsWith("user_report/") ? USER_COLUMNS : ORG_COLUMNS) as CsvColumn<ReportRow>[];
  return WITH_EXTRA_PROPERTIES.has(report) ? [...base, column<ReportRow>("extra_properties")] : base;
}

/** The 200 answer: `text/csv`, a file name naming the report, interval and snapshot. */
export function reportCsvResponse(report: ReportName, interval: string, all: AllReportRows): StreamedHttpResponse {
  const file = `${report.replace("/", "-")}-${interval}-${all.reportTime}.csv`;
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${file}"`,
      "x-report-time": String(all.reportTime),
      "x-total-count": String(all.total),
    },
    body: csvLines(reportCsvColumns(report), all.chunks),
  };
}
