import type { APIGatewayProxyEvent } from "aws-lambda";
import type { RouteMatch } from "../../lib/routes.js";

/** An HTTP request as the local server received it, before it becomes what API Gateway would deliver. */
export interface IncomingRequest {
  method: string;
  /** The request target: path and query string, e.g. `/api/v2/users?limit=5`. */
  url: string;
  /** Node's `rawHeaders`: names as sent (case kept, as API Gateway keeps it), name and value alternating. */
  rawHeaders: string[];
  /** The body's bytes as received (not decoded: bytes that aren't UTF-8 must reach the handler as they are). */
  body: Uint8Array | null;
  sourceIp: string;
  requestId: string;
  receivedAt: number;
}

export const LOCAL_STAGE = "local";

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return component;
  }
}

/** Single-value maps keep the last value of a repeated name, as API Gateway's REST proxy does. */
function singleAndMulti(pairs: [string, string][]): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (pairs.length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return { single, multi };
}

export function splitTarget(url: string): { path: string; query: string } {
  const at = url.indexOf("?");
  return at === -1 ? { path: url, query: "" } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

function queryPairs(query: string): [string, string][] {
  return query
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq === -1 ? [decode(part), ""] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
}

function headerPairs(rawHeaders: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return pairs;
}

/** The event the deployed REST API's Lambda proxy integration hands the family's handler for this request. */
export function toApiGatewayEvent(request: IncomingRequest, match: RouteMatch): APIGatewayProxyEvent {
  const { path, query } = splitTarget(request.url);
  const headers = singleAndMulti(headerPairs(request.rawHeaders));
  const queryParameters = singleAndMulti(queryPairs(query));
  const method = request.method.toUpperCase();
  const userAgent = headers.single
    ? (Object.entries(headers.single).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null)
    : null;
  return {
    resource: match.resource,
    path,
    httpMethod: method,
    headers: headers.single ?? {},
    multiValueHeaders: headers.multi ?? {},
    queryStringParameters: queryParameters.single,
    multiValueQueryStringParameters: queryParameters.multi,
    pathParameters: Object.keys(match.pathParameters).length > 0 ? { ...match.pathParameters } : null,
    stageVariables: null,
    // The REST API declares every media type binary (infra/api.ts, for gzipped answers), so API Gateway hands the
    // handler a request body base64-encoded with isBase64Encoded set, byte for byte, UTF-8 or not: mirrored here,
    // so the handler's strict decoding (lib/http/requestBody.ts) sees exactly the bytes that were sent.
    body: request.body === null ? null : Buffer.from(request.body).toString("base64"),
    isBase64Encoded: request.body !== null,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: method,
      path: `/${LOCAL_STAGE}${path}`,
      stage: LOCAL_STAGE,
      requestId: request.requestId,
      requestTimeEpoch: request.receivedAt,
      resourceId: "local",
      resourcePath: match.resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
    },
  };
}
