/**
 * Typed errors of both clients. An HTTP answer other than 2xx becomes the error class of its status, with the
 * server's own message (each API family words it differently: `message`, or `error`).
 */

export class EngagementInsightsError extends Error {
  override name = "EngagementInsightsError";
}

/** The server answered with a non-2xx status. */
export class ApiError extends EngagementInsightsError {
  override name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

export class InvalidRequestError extends ApiError {
  override name = "InvalidRequestError";
}
export class UnauthorizedError extends ApiError {
  override name = "UnauthorizedError";
}
export class ForbiddenError extends ApiError {
  override name = "ForbiddenError";
}
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
}
export class PayloadTooLargeError extends ApiError {
  override name = "PayloadTooLargeError";
}
/**
 * 429, or a 5xx: the request may be retried (the ingestion client does, with the same event ids). `retryAfter` is the
 * server's `Retry-After` in seconds (a date already turned into seconds from when the answer came), if it sent one.
 */
export class RetryableApiError extends ApiError {
  override name = "RetryableApiError";
  constructor(
    message: string,
    status: number,
    body: unknown,
    requestId: string | undefined,
    readonly retryAfter: number | undefined = undefined,
  ) {
    super(message, status, body, requestId);
  }
}
/** 429: over the environment's request limits; wait `retryAfter` seconds (when given) before trying again. */
export class TooManyRequestsError extends RetryableApiError {
  override name = "TooManyRequestsError";
}

/** No answer: the connection failed, or the answer did not come within the timeout. */
export class NetworkError extends EngagementInsightsError {
  override name = "NetworkError";
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server's words for what is wrong, whatever the family's error format. */
function serverMessage(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const { message, error } = body as { message?: unknown; error?: unknown };
    if (typeof message === "string") return message;
    if (typeof error === "string") return error;
  }
  return `HTTP ${status}`;
}

export function apiError(status: number, body: unknown, requestId: string | undefined, retryAfter?: number): ApiError {
  const message = serverMessage(status, body);
  if (status === 400) return new InvalidRequestError(message, status, body, requestId);
  if (status === 401) return new UnauthorizedError(message, status, body, requestId);
  if (status === 403) return new ForbiddenError(message, status, body, requestId);
  if (status === 404) return new NotFoundError(message, status, body, requestId);
  if (status === 413) return new PayloadTooLargeError(message, status, body, requestId);
  if (status === 429) return new TooManyRequestsError(message, status, body, requestId, retryAfter);
  if (status >= 500) return new RetryableApiError(message, status, body, requestId, retryAfter);
  return new ApiError(message, status, body, requestId);
}
