import { authorizeApiKey } from "../auth/apiKey.js";
import { wantsCsv } from "../http/csv.js";
import { invalidRequest } from "../http/invalidRequest.js";
import { parseParams } from "../http/params.js";
import { type HttpRequest, json, type RouteResponse } from "../http/types.js";
import type { CurveRoute } from "../reports/curves.js";
import { readCurve } from "../reports/curvesRead.js";
import { storeFromEnv } from "../storage/client.js";
import { curveCsvResponse } from "./curveCsv.js";
import { curveQuerySchema, stickinessQuerySchema } from "./curveSchemas.js";

/**
 * Retention, lifecycle and stickiness (CONTRACT §10): validated parameters, then the current snapshot's item, as
 * JSON or, for `Accept: text/csv`, as CSV (§12, curveCsv.ts).
 */

function answer(request: HttpRequest, route: CurveRoute, parameter: string, body: Record<string, unknown>) {
  return wantsCsv(request.headers.accept) ? curveCsvResponse(route, parameter, body) : json(200, body);
}

function cadenceRoute(route: "retention" | "lifecycle") {
  return async (request: HttpRequest): Promise<RouteResponse> => {
    const store = storeFromEnv();
    const environmentId = await authorizeApiKey(store, request, "read");
    const { entity = "users", cadence = "Daily" } = parseParams(curveQuerySchema, request.query, (issue) =>
      invalidRequest(issue.message),
    );
    return answer(request, route, cadence, await readCurve(store, environmentId, route, entity, cadence));
  };
}

async function stickiness(request: HttpRequest): Promise<RouteResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeApiKey(store, request, "read");
  const { entity = "users", report_interval: interval } = parseParams(stickinessQuerySchema, request.query, (issue) =>
    invalidRequest(issue.message),
  );
  return answer(request, "stickiness", interval, await readCurve(store, environmentId, "stickiness", entity, interval));
}

export const curveRoutes: Record<string, (request: HttpRequest) => Promise<RouteResponse>> = {
  "GET /api/backend/v1/retention": cadenceRoute("retention"),
  "GET /api/backend/v1/lifecycle": cadenceRoute("lifecycle"),
  "GET /api/backend/v1/stickiness": stickiness,
};
