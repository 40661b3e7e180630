import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { isRetryable } from "../../lib/http/retryable.js";
import { HttpError, type HttpRequest, type HttpResponse, json } from "../../lib/http/types.js";
import { type Family, methodsOf } from "../../lib/routes.js";
import { encodeResult } from "./compressResponse.js";
import { logger } from "./logger.js";

/** A family's route implementations, keyed `METHOD resource` (e.g. `GET /api/v2/users/{userId}`). */
export type RouteHandlers = Record<string, (request: HttpRequest) => Promise<HttpResponse>>;

function lowerCaseHeaders(headers: APIGatewayProxyEvent["headers"] | null): Record<string, string | undefined> {
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

/**
 * The one Lambda handler shape of every HTTP family: API Gateway proxy event in, the family's route out.
 * Errors become the family's format: HttpError as given, retryable DynamoDB faults 503, anything else a 500 whose
 * body says nothing internal (the details go to the log with the request id).
 */
export function httpHandler(family: Family, handlers: RouteHandlers) {
  return middy(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId =
      event.headers?.["x-request-id"] ??
      event.headers?.["X-Request-Id"] ??
      event.requestContext?.requestId ??
      context.awsRequestId;
    // The request id goes into each log call, not into the shared logger: the local server runs requests concurrently.
    const log = { request_id: requestId };
    const errors = familyErrors[family];
    let response: HttpResponse;
    try {
      response = await dispatch(family, handlers, toHttpRequest(event, requestId), event.resource);
    } catch (error) {
      if (error instanceof HttpError) response = json(error.statusCode, error.body);
      else if (isRetryable(error)) {
        logger.warn("retryable storage fault", { ...log, error: error as Error });
        response = json(503, errors.unavailable);
      } else {
        logger.error("unhandled error", { ...log, error: error as Error });
        response = json(500, errors.internal);
      }
    }
    // Once for every family: big answers compressed (br or gzip) for clients that accept it, or refused if still over 6 MB.
    const result = await encodeResult(
      { ...response, headers: { ...response.headers, "x-request-id": requestId } },
      lowerCaseHeaders(event.headers)["accept-encoding"],
      errors.responseTooLarge,
    );
    if (result.statusCode !== response.statusCode) {
      logger.warn("response over the Lambda response limit", { ...log, status: response.statusCode });
    }
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
