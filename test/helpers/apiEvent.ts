import { randomUUID } from "node:crypto";
import type { Writable } from "node:stream";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { matchPath } from "../../lib/routes.js";
import { collectStreamingResponse, isStreamingHandler } from "../../scripts/lib/lambdaStreaming.js";
import { assertConformsToOpenApi } from "./openapiConformance.js";

/**
 * API Gateway REST proxy events as API Gateway builds them, for calling a family's Lambda handler directly:
 * `resource` and `pathParameters` come from the route table (lib/routes.ts), exactly as the deployed API maps them.
 */
export interface ApiEventInput {
  method?: string;
  /** Path, optionally with a query string (`/api/v2/users?limit=5`), which is split into queryStringParameters. */
  path: string;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
  requestId?: string;
}

export function apiEvent(input: ApiEventInput): APIGatewayProxyEvent {
  const [path, search] = input.path.split("?", 2) as [string, string | undefined];
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search ?? "")) query[name] = value;
  for (const [name, value] of Object.entries(input.query ?? {})) if (value !== undefined) query[name] = value;
  const match = matchPath(path);
  const requestId = input.requestId ?? randomUUID();
  const body =
    input.body === undefined ? null : typeof input.body === "string" ? input.body : JSON.stringify(input.body);
  return {
    resource: match?.resource ?? path,
    path,
    httpMethod: input.method ?? "GET",
    headers: { ...(input.headers ?? {}) },
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: match && Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: { requestId } as APIGatewayProxyEvent["requestContext"],
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:test",
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/test",
    logStreamName: "test",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type StreamingLambdaHandler = (event: APIGatewayProxyEvent, stream: Writable, context: Context) => Promise<void>;

/**
 * A handler's answer as a proxy result, whichever its shape: a streaming handler (the dashboard's) is called with a
 * response stream read as API Gateway's STREAM integration reads it (scripts/lib/lambdaStreaming.ts).
 */
export async function callHandler(
  handler: LambdaHandler | StreamingLambdaHandler,
  event: APIGatewayProxyEvent,
  context: Context = lambdaContext(),
): Promise<APIGatewayProxyResult> {
  if (!isStreamingHandler(handler)) return (handler as LambdaHandler)(event, context);
  const collected = await collectStreamingResponse(handler as StreamingLambdaHandler, event, context);
  const encoded = collected.headers["content-encoding"] !== undefined;
  return {
    statusCode: collected.statusCode,
    headers: collected.headers,
    body: collected.body.toString(encoded ? "base64" : "utf8"),
    ...(encoded ? { isBase64Encoded: true } : {}),
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body. */
  body: unknown;
  raw: APIGatewayProxyResult;
}

/**
 * Calls the handler with the event and parses the JSON body, which must conform to the OpenAPI document: a status
 * or field the document lacks fails the calling test.
 */
export async function invoke(
  handler: LambdaHandler | StreamingLambdaHandler,
  input: ApiEventInput,
): Promise<ApiResponse> {
  const event = apiEvent(input);
  const raw = await callHandler(handler, event);
  const response = {
    status: raw.statusCode,
    headers: Object.fromEntries(Object.entries(raw.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
    body: JSON.parse(raw.body),
    raw,
  };
  assertConformsToOpenApi({
    method: event.httpMethod,
    resource: event.resource,
    status: response.status,
    contentType: response.headers["content-type"],
    body: response.body,
  });
  return response;
}
