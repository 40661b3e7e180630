import type * as z from "zod";
import { type CsvColumn, csvLines } from "../http/csv.js";
import type { StreamedHttpResponse } from "../http/types.js";
import { BUCKET_COUNT, type CurveRoute } from "../reports/curves.js";
import type { lifecycleBodySchema, retentionBodySchema, stickinessBodySchema } from "./curveSchemas.js";

/**
 * Retention, lifecycle and stickiness (CONTRACT §10) as CSV downloads (§12): the rows a spreadsheet user charts,
 * written by lib/http/csv.ts (RFC 4180, formulas neutralised), with the snapshot's instant in a header as the reports'
 * downloads have it (a CSV body has no place for it).
 *
 * - retention: one row per cohort, wide: `cohort,size,retained_0,…,retained_{n-1}` (n = the cadence's 30 or 12
 *   buckets), `retained_k` empty where the cohort has no k-th bucket yet. This is the usual cohort triangle, one
 *   line per cohort, that a spreadsheet shades or turns into percentages of `size` directly;
 * - lifecycle: one row per bucket, `date,new,returning,resurrecting,dormant`;
 * - stickiness: one row per day count, `active_days,count` (`active` is their sum).
 */

type Retention = z.infer<typeof retentionBodySchema>;
type Cohort = Retention["cohorts"][number];
type Bucket = z.infer<typeof lifecycleBodySchema>["buckets"][number];
type DayCount = z.infer<typeof stickinessBodySchema>["days"][number];

const column = <Row>(name: keyof Row & string): CsvColumn<Row> => ({ name, value: (row) => row[name] });

export function retentionCsvColumns(cadence: Retention["cadence"]): CsvColumn<Cohort>[] {
  const retained = Array.from({ length: BUCKET_COUNT[cadence] }, (_, k) => ({
    name: `retained_${k}`,
    value: (cohort: Cohort) => cohort.retained[k],
  }));
  return [column<Cohort>("cohort"), column<Cohort>("size"), ...retained];
}

export const LIFECYCLE_CSV_COLUMNS: CsvColumn<Bucket>[] = (
  ["date", "new", "returning", "resurrecting", "dormant"] as const
).map((name) => column<Bucket>(name));

export const STICKINESS_CSV_COLUMNS: CsvColumn<DayCount>[] = (["active_days", "count"] as const).map((name) =>
  column<DayCount>(name),
);

/** The rows and columns of a route's body (as readCurve answers it). */
function table(route: CurveRoute, body: Record<string, unknown>): { columns: CsvColumn<never>[]; rows: unknown[] } {
  if (route === "retention") {
    const retention = body as Retention;
    return { columns: retentionCsvColumns(retention.cadence), rows: retention.cohorts };
  }
  if (route === "lifecycle") return { columns: LIFECYCLE_CSV_COLUMNS, rows: (body as { buckets: Bucket[] }).buckets };
  return { columns: STICKINESS_CSV_COLUMNS, rows: (body as { days: DayCount[] }).days };
}

async function* onePage<Row>(rows: Row[]): AsyncGenerator<Row[]> {
  yield rows;
}

/**
 * The 200 answer: `text/csv`, a file name naming the route, entity, cadence or window and snapshot, the snapshot's
 * `report_time` in `x-report-time` and the row count in `x-total-count` (as the reports' downloads).
 */
export function curveCsvResponse(
  route: CurveRoute,
  parameter: string,
  body: Record<string, unknown>,
): StreamedHttpResponse {
  const { columns, rows } = table(route, body);
  const file = `${route}-${String(body.entity)}-${parameter}-${String(body.report_time)}.csv`;
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${file}"`,
      "x-report-time": String(body.report_time),
      "x-total-count": String(rows.length),
    },
    body: csvLines(columns as CsvColumn<unknown>[], onePage(rows)),
  };
}
