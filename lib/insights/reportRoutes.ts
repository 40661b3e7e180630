import { authorizeApiKey } from "../auth/apiKey.js";
import { wantsCsv } from "../http/csv.js";
import { invalidRequest } from "../http/invalidRequest.js";
import { parseParams } from "../http/params.js";
import type { HttpRequest, RouteResponse } from "../http/types.js";
import { json } from "../http/types.js";
import { REPORTS, type ReportDefinition } from "../reports/definitions.js";
import { readAllReportRows, readReportPage } from "../reports/read.js";
import { storeFromEnv } from "../storage/client.js";
import { reportCsvResponse } from "./reportCsv.js";
import { DEFAULT_PAGE_SIZE, reportQuerySchema } from "./schemas.js";

/**
 * The 8 report routes (CONTRACT §6): validate `report_interval`, `page_size`, `page_number` (lib/insights/schemas.ts), then serve one page
 * of the current snapshot; or, for `Accept: text/csv`, all of its rows as CSV, streamed (§12, reportCsv.ts).
 */

function reportRoute(definition: ReportDefinition) {
  const rowsKey = definition.subject === "user" ? "user_reports" : "org_reports";
  const querySchema = reportQuerySchema(definition);
  return async (request: HttpRequest): Promise<RouteResponse> => {
    const store = storeFromEnv();
    const environmentId = await authorizeApiKey(store, request, "read");
    const {
      report_interval: interval,
      page_size: pageSize = DEFAULT_PAGE_SIZE,
      page_number: pageNumber = 0,
    } = parseParams(querySchema, request.query, (issue) => invalidRequest(issue.message));
    if (wantsCsv(request.headers.accept)) {
      return reportCsvResponse(
        definition.name,
        interval,
        await readAllReportRows(store, environmentId, definition.name, interval),
      );
    }
    const page = await readReportPage(store, environmentId, definition.name, interval, pageNumber, pageSize);
    return json(200, {
      [rowsKey]: page.rows,
      current_page: pageNumber,
      total_count: page.total,
      page_size: pageSize,
      has_more_results: (pageNumber + 1) * pageSize < page.total,
      report_time: page.reportTime,
    });
  };
}

export const reportRoutes: Record<string, (request: HttpRequest) => Promise<RouteResponse>> = Object.fromEntries(
  REPORTS.map((definition) => [`GET /api/backend/v1/${definition.name}`, reportRoute(definition)]),
);
