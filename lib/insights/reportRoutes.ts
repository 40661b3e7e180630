import { authorizeApiKey } from "../auth/apiKey.js";
import { invalidRequest } from "../http/invalidRequest.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";
import { json } from "../http/types.js";
import { REPORTS, type ReportDefinition } from "../reports/definitions.js";
import { readReportPage } from "../reports/read.js";
import { storeFromEnv } from "../storage/client.js";

/**
 * The 8 report routes (CONTRACT §6): validate `report_interval`, `page_size`, `page_number`, then serve one page
 * of the current snapshot.
 */

const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 10;
/** Keeps page_number × page_size an exact integer; any page past the end is simply empty. */
const MAX_PAGE_NUMBER = Math.floor(Number.MAX_SAFE_INTEGER / MAX_PAGE_SIZE);

function reportInterval(definition: ReportDefinition, value: string | undefined): string {
  const allowed = definition.intervals;
  // Clients spell Weekly/Monthly in varying case; the canonical spelling keys the snapshot.
  const found = value === undefined ? undefined : allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw invalidRequest(`report_interval must be one of: ${allowed.join(", ")}`);
  return found;
}

function integerParameter(name: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const parsed = /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) throw invalidRequest(`${name} must be ${describe(min, max)}`);
  return parsed;
}

function describe(min: number, max: number): string {
  return max === MAX_PAGE_NUMBER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
}

function reportRoute(definition: ReportDefinition) {
  const rowsKey = definition.subject === "user" ? "user_reports" : "org_reports";
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const store = storeFromEnv();
    const environmentId = await authorizeApiKey(store, request, "read");
    const interval = reportInterval(definition, request.query.report_interval);
    const pageSize = integerParameter("page_size", request.query.page_size, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const pageNumber = integerParameter("page_number", request.query.page_number, 0, 0, MAX_PAGE_NUMBER);
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

export const reportRoutes: Record<string, (request: HttpRequest) => Promise<HttpResponse>> = Object.fromEntries(
  REPORTS.map((definition) => [`GET /api/backend/v1/${definition.name}`, reportRoute(definition)]),
);
