import { authorizeApiKey } from "../auth/apiKey.js";
import { computeChart } from "../charts/chart.js";
import { parseChartQuery } from "../charts/chartQuery.js";
import { type HttpRequest, type HttpResponse, json } from "../http/types.js";
import { storeFromEnv } from "../storage/client.js";
import { signupQueryParameters } from "./signupParameters.js";

/** Live charts and sign-up parameters of the insights family (CONTRACT §6). */

async function chart(request: HttpRequest): Promise<HttpResponse> {
  const nowMs = Date.now();
  const store = storeFromEnv();
  const environmentId = await authorizeApiKey(store, request, "read");
  const query = parseChartQuery(request.pathParameters.chartMetric, request.query, nowMs);
  return json(200, await computeChart(store, environmentId, query, nowMs));
}

async function signupParameters(request: HttpRequest): Promise<HttpResponse> {
  const store = storeFromEnv();
  const environmentId = await authorizeApiKey(store, request, "read");
  return json(200, await signupQueryParameters(store, environmentId, request.pathParameters.userId ?? ""));
}

export const chartRoutes: Record<string, (request: HttpRequest) => Promise<HttpResponse>> = {
  "GET /api/backend/v1/chart_metric/{chartMetric}": chart,
  // Some clients call the plural path; it is the same chart.
  "GET /api/backend/v1/chart_metrics/{chartMetric}": chart,
  "GET /api/backend/v1/user/{userId}/signup_query_parameters": signupParameters,
};
