import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { withCorsHeaders } from "../../lib/http/cors.js";
import { familyErrors } from "../../lib/http/familyErrors.js";
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
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  return {
    // As sent: HTTP methods are case-sensitive, so `Get` is not GET but a wrong method (405), as at the local edge.
    method: event.httpMethod,
    path: event.path,
    headers: lowerCaseHeaders(event.headers),
    query: { ...(event.queryStringParameters ?? {}) },
    pathParameters: { ...(event.pathParameters ?? {}) },
    body: body ?? null,
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
    return json(503, errors.unavailable);
  }
  logger.error("unhandled error", { ...log, error: error as Error });
  return json(500, errors.internal);
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
    return { response: await dispatch(family, handlers, toHttpRequest(event, requestId), event.resource), log };
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
