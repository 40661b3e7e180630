import type { Family } from "../routes.js";

/**
 * Each route family's error bodies (CONTRACT §2, §4, §5, §6, §8): clients of one family parse only its format.
 */
export interface FamilyErrors {
  notFound: unknown;
  methodNotAllowed: unknown;
  internal: unknown;
  unavailable: unknown;
  /** The answers of the edge (API Gateway, or the local server in its place) to requests no handler receives. */
  badRequest: unknown;
  requestTimeout: unknown;
  payloadTooLarge: unknown;
  headersTooLarge: unknown;
  /** 429: the environment is over its request limits (sent with `Retry-After`). */
  tooManyRequests: unknown;
  /**
   * 400: the answer would pass Lambda's 6 MB response limit even gzipped (lib/http/compression.ts); for the
   * dashboard, which streams, an active-users period over its user-day cap (lib/dashboard/routes.ts).
   */
  responseTooLarge: unknown;
}

const insights: FamilyErrors = {
  notFound: { error: "not_found" },
  methodNotAllowed: { error: "method_not_allowed" },
  internal: { error: "internal_error" },
  unavailable: { error: "retry" },
  // The insights family's 400 (CONTRACT §6), for a request that can't be read at all (the local server's parser).
  badRequest: {
    error: "invalid_request",
    message: "The request could not be read: malformed request line, URL or header",
  },
  requestTimeout: { error: "request_timeout" },
  // Ingestion's own 413 (CONTRACT §2); the other insights routes take no body, so they share it.
  payloadTooLarge: { error: "payload_too_large" },
  headersTooLarge: { error: "request_header_fields_too_large" },
  tooManyRequests: { error: "too_many_requests" },
  responseTooLarge: { error: "response_too_large" },
};

export const familyErrors: Record<Family, FamilyErrors> = {
  ingest: insights,
  insights,
  docs: insights,
  dashboard: {
    notFound: { success: false, error: "Not found [not-found]" },
    methodNotAllowed: { success: false, error: "Method not allowed [method-not-allowed]" },
    internal: { success: false, error: "Internal server error [internal-error]" },
    unavailable: { success: false, error: "Service unavailable, retry [retry]" },
    badRequest: { success: false, error: "Bad request [bad-request]" },
    requestTimeout: { success: false, error: "Request timeout [request-timeout]" },
    payloadTooLarge: { success: false, error: "Payload too large [payload-too-large]" },
    headersTooLarge: { success: false, error: "Request header fields too large [header-fields-too-large]" },
    tooManyRequests: { success: false, error: "Too many requests, retry later [too-many-requests]" },
    responseTooLarge: {
      success: false,
      error: "Response too large: ask for a shorter period [response-too-large]",
    },
  },
  users: {
    notFound: { status: "error", message: "Not found" },
    methodNotAllowed: { status: "error", message: "Method not allowed" },
    internal: { status: "error", message: "Internal server error" },
    unavailable: { status: "error", message: "Service unavailable, retry" },
    badRequest: { status: "error", message: "Bad request" },
    requestTimeout: { status: "error", message: "Request timeout" },
    payloadTooLarge: { status: "error", message: "Payload too large" },
    headersTooLarge: { status: "error", message: "Request header fields too large" },
    tooManyRequests: { status: "error", message: "Too many requests for this environment, retry later" },
    responseTooLarge: {
      status: "error",
      message: "Response too large: ask for a smaller page, with Accept-Encoding: br or gzip",
    },
  },
};

/** Paths outside every family (`/nothing/here`) get the plain `{"error": ...}` shape of the service's own API. */
export const unroutedErrors: FamilyErrors = insights;

/**
 * API Gateway's own answers (throttling, missing credentials) come before any family handler, and a gateway
 * response has one static body per API (its templates are not VTL, so they cannot branch on the path). Each body
 * therefore carries the keys every family's clients read: insights/ingestion `error`, users `status` + `message`,
 * the dashboard `success` (and `status` + `message` for its 401).
 */
export const gatewayBodies = {
  tooManyRequests: {
    error: "too_many_requests",
    success: false,
    status: "error",
    message: "Too many requests for this environment, retry later",
  },
  unauthorized: { error: "unauthorized", status: "error", message: "You must be logged in to do this." },
};
