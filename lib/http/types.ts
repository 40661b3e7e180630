import type { NotUtf8Body } from "./requestBody.js";

/**
 * The HTTP request and response as the domain sees them: built from the API Gateway proxy event by the handler
 * wrapper in functions/, so that lib/ never depends on AWS Lambda types.
 */
export interface HttpRequest {
  method: string;
  /** Path with its parameters filled in, e.g. `/api/v2/users/u1`. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  pathParameters: Record<string, string | undefined>;
  /** The body as text; NotUtf8Body when its bytes are not UTF-8 (requestBody.ts). */
  body: string | NotUtf8Body | null;
  requestId: string;
  /** Aborts when the request reaches its deadline (lib/http/deadline.ts): work not started by then is not started. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An answer whose body is produced while it is sent (a big dashboard answer: lib/dashboard/activeUsersJson.ts). A
 * streaming family handler sends it as it comes (functions/shared/streamingHttpHandler.ts); a buffered one joins it.
 */
export interface StreamedHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: AsyncIterable<string>;
}

/** What a route answers: whole, or streamed. */
export type RouteResponse = HttpResponse | StreamedHttpResponse;

export function isStreamed(response: RouteResponse): response is StreamedHttpResponse {
  return typeof response.body !== "string";
}

export function json(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(body),
  };
}

/** A failure that becomes an HTTP answer in its route family's error format. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${statusCode}`);
  }
}
