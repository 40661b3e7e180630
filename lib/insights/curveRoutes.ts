import { authorizeApiKey } from "../auth/apiKey.js";
import { invalidRequest } from "../http/invalidRequest.js";
import { parseParams } from "../http/params.js";
import { type HttpRequest, type HttpResponse, json } from "../http/types.js";
import { readCurve } from "../reports/curvesRead.js";
import { storeFromEnv } from "../storage/client.js";
import { curveQuerySchema, stickinessQuerySchema } from "./curveSchemas.js";

/** Retention, lifecycle and stickiness (CONTRACT §10): validated parameters, then the current snapshot's item. */

function cadenceRoute(route: "retention" | "lifecycle") {
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const store = storeFromEnv();
    const environmentId = await authorizeApiKey(store, request, "read");
    const { entity = "users", cadence = "Daily" } = parseParams(curveQuerySchema, request.query, (issue) =>
      invalidRequest(issue.message),
    );
    return json(200, await readCurve(store, environmentId, route, entity, cadence));
  };
}

async function stickiness(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeApiKey(store, request, "read");
  const { entity = "users", report_interval: interval } = parseParams(stickinessQuerySchema, request.query, (issue) =>
    invalidRequest(issue.message),
  );
  return json(200, await readCurve(store, environmentId, "stickiness", entity, interval));
}

export const curveRoutes: Record<string, (request: HttpRequest) => Promise<HttpResponse>> = {
  "GET /api/backend/v1/retention": cadenceRoute("retention"),
  "GET /api/backend/v1/lifecycle": cadenceRoute("lifecycle"),
  "GET /api/backend/v1/stickiness": stickiness,
};
