import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { matchPath } from "../../lib/routes.js";
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
export async function invoke(handler: LambdaHandler, input: ApiEventInput): Promise<ApiResponse> {
  const event = apiEvent(input);
  const raw = await handler(event, lambdaContext());
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
