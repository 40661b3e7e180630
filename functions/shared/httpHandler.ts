import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { withCorsHeaders } from "../../lib/http/cors.js";
import { DEADLINE_RETRY_AFTER_SECONDS, HTTP_FUNCTION_TIMEOUT_SECONDS, workBudgetMs } from "../../lib/http/deadline.js";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { eventBody } from "../../lib/http/requestBody.js";
import { isRetryable } from "../../lib/http/retryable.js";
import {
  HttpError,
  type HttpRequest,
  type HttpResponse,
  isStreamed,
  json,
  type RouteResponse,
} from "../../lib/http/types.js";
import { type Family, methodsOf } from "../../lib/routes.js";
import { encodeResult } from "./compressResponse.js";
import { logger } from "./logger.js";

/** A family's route implementations, keyed `METHOD resource` (e.g. `GET /api/v2/users/{userId}`). */
export type RouteHandlers = Record<string, (request: HttpRequest) => Promise<RouteResponse>>;

export function lowerCaseHeaders(headers: APIGatewayProxyEvent["headers"] | null): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value ?? undefined;
  return out;
}

export function toHttpRequest(event: APIGatewayProxyEvent, requestId: string): HttpRequest {
  return {
    // As sent: HTTP methods are case-sensitive, so `Get` is not GET but a wrong method (405), as at the local edge.
    method: event.httpMethod,
    path: event.path,
    headers: lowerCaseHeaders(event.headers),
    query: { ...(event.queryStringParameters ?? {}) },
    pathParameters: { ...(event.pathParameters ?? {}) },
    body: eventBody(event.body, event.isBase64Encoded),
    requestId,
  };
}

async function dispatch(family: Family, handlers: RouteHandlers, request: HttpRequest, resource: string) {
  const errors = familyErrors[family];
  const route = handlers[`${request.method} ${resource}`];
  if (route) return route(request);
  if (methodsOf(resource).length > 0) return json(405, errors.methodNotAllowed);
  return json(404, errors.notFound);
}

/** Fields every log line of a request carries. */
export interface RequestLog {
  request_id: string;
}

/**
 * A failure as the family's answer: HttpError as given, retryable DynamoDB faults 503, anything else a 500 whose body
 * says nothing internal (the details go to the log with the request id).
 */
export function errorResponse(family: Family, error: unknown, log: RequestLog): HttpResponse {
  const errors = familyErrors[family];
  if (error instanceof HttpError) return json(error.statusCode, error.body);
  if (isRetryable(error)) {
    logger.warn("retryable storage fault", { ...log, error: error as Error });
    return retryLater(family);
  }
  logger.error("unhandled error", { ...log, error: error as Error });
  return json(500, errors.internal);
}

/** 503 in the family's format, with the `Retry-After` a client should honour. */
function retryLater(family: Family): HttpResponse {
  const response = json(503, familyErrors[family].unavailable);
  return { ...response, headers: { ...response.headers, "retry-after": String(DEADLINE_RETRY_AFTER_SECONDS) } };
}

/**
 * The route's answer, or a 503 once the request's work budget is spent (lib/http/deadline.ts): its signal then
 * aborts, so it starts no more storage calls, and the answer leaves before the Lambda is stopped.
 */
async function withinDeadline(
  family: Family,
  run: (signal: AbortSignal) => Promise<RouteResponse>,
  remainingMs: number,
  log: RequestLog,
): Promise<RouteResponse> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<RouteResponse>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      logger.warn("request stopped at its deadline", { ...log, remaining_ms: remainingMs });
      resolve(retryLater(family));
    }, workBudgetMs(remainingMs));
  });
  const route = run(controller.signal);
  // A route failing after the deadline answered is already answered: its error is not unhandled.
  route.catch(() => {});
  try {
    return await Promise.race([route, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The function's time left (a context without the method, as some test harnesses give: the buffered timeout). */
function remainingTimeOf(context: Context): number {
  return typeof context.getRemainingTimeInMillis === "function"
    ? context.getRemainingTimeInMillis()
    : HTTP_FUNCTION_TIMEOUT_SECONDS * 1000;
}

/** The request id of an event: the client's `x-request-id`, else API Gateway's, else Lambda's. */
function requestIdOf(event: APIGatewayProxyEvent, context: Context): string {
  return (
    event.headers?.["x-request-id"] ??
    event.headers?.["X-Request-Id"] ??
    event.requestContext?.requestId ??
    context.awsRequestId
  );
}

/** The route's answer to an event (a streamed body is not read yet), or the family's error answer. */
export async function routeAnswer(
  family: Family,
  handlers: RouteHandlers,
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<{ response: RouteResponse; log: RequestLog }> {
  const requestId = requestIdOf(event, context);
  // The request id goes into each log call, not into the shared logger: the local server runs requests concurrently.
  const log = { request_id: requestId };
  try {
    const response = await withinDeadline(
      family,
      (signal) => dispatch(family, handlers, { ...toHttpRequest(event, requestId), signal }, event.resource),
      remainingTimeOf(context),
      log,
    );
    return { response, log };
  } catch (error) {
    return { response: errorResponse(family, error, log), log };
  }
}

/** A streamed body read whole (a buffered family's answer), or the family's error answer if reading it fails. */
async function whole(family: Family, response: RouteResponse, log: RequestLog): Promise<HttpResponse> {
  if (!isStreamed(response)) return response;
  try {
    let body = "";
    for await (const chunk of response.body) body += chunk;
    return { ...response, body };
  } catch (error) {
    return errorResponse(family, error, log);
  }
}

/**
 * The buffered Lambda handler shape (every family but the dashboard's, which streams: streamingHttpHandler.ts): API
 * Gateway proxy event in, the family's route out as one proxy result, errors in the family's format.
 */
export function httpHandler(family: Family, handlers: RouteHandlers) {
  return middy(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const answered = await routeAnswer(family, handlers, event, context);
    const { log } = answered;
    const requestId = log.request_id;
    const errors = familyErrors[family];
    const response = await whole(family, answered.response, log);
    // Once for every family: big answers compressed (br or gzip) for clients that accept it, or refused if still over 6 MB.
    const result = await encodeResult(
      { ...response, headers: { ...response.headers, "x-request-id": requestId } },
      lowerCaseHeaders(event.headers)["accept-encoding"],
      errors.responseTooLarge,
    );
    if (result.statusCode !== response.statusCode) {
      logger.warn("response over the Lambda response limit", { ...log, status: response.statusCode });
    }
    // Cross-origin pages listed in ALLOWED_ORIGINS may read the answer (lib/http/cors.ts).
    result.headers = withCorsHeaders(
      (result.headers ?? {}) as Record<string, string>,
      lowerCaseHeaders(event.headers).origin,
    );
    logger.info("request", {
      ...log,
      method: event.httpMethod,
      path: event.path,
      status: result.statusCode,
      ...(result.isBase64Encoded ? { content_encoding: result.headers?.["content-encoding"] } : {}),
    });
    return result;
  });
}
