import { handler } from "../../functions/insights.js";
import { invoke } from "../helpers/apiEvent.js";

/** GET a report through the insights Lambda handler. */
export function getReport(apiKey: string | undefined, report: string, query: Record<string, string> = {}) {
  return invoke(handler, {
    path: `/api/backend/v1/${report}`,
    headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` },
    query,
  });
}
