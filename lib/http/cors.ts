/**
 * Cross-origin use of the API from browsers (CORS): which origins may call it and the Access-Control-* headers
 * their requests get. One list, `allowedOrigins` (CDK context, given to the functions as ALLOWED_ORIGINS; the local
 * server reads ALLOWED_ORIGINS too), used by
 *  - the preflight (OPTIONS): API Gateway's mock OPTIONS methods on AWS (infra/api.ts), the local server locally;
 *  - every answer of the family handlers (functions/shared), which API Gateway's proxy integration passes as is;
 *  - the local server's own answers (429 of its tenant gate, 413, unrouted 404).
 * Default: none, i.e. same-origin only. A request from an origin not listed gets no Access-Control-* header, so the
 * browser keeps the answer from the page. The credentials are headers, not cookies: no Allow-Credentials.
 */

/** Request headers a cross-origin page may send: every credential header of the three APIs, and the body's type. */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "environment-id",
  "x-user-id",
  "x-auth-token",
  "x-request-id",
] as const;
/** Answer headers a cross-origin page may read besides the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = ["x-request-id", "retry-after"] as const;
export const CORS_ALLOWED_METHODS = ["GET", "POST", "OPTIONS"] as const;
/** Seconds a browser may cache a preflight's answer. */
export const CORS_MAX_AGE_SECONDS = 600;

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;

/**
 * A comma-separated origin list (`https://app.example.com,http://localhost:5173`) as origins; an entry that is not
 * a bare `scheme://host[:port]` (a path, a trailing slash, a wildcard) is an error, not a silent mismatch later.
 */
export function parseAllowedOrigins(value: string | undefined): string[] {
  const origins = (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!ORIGIN.test(origin)) {
      throw new Error(`allowed origin ${JSON.stringify(origin)} is not scheme://host[:port] (http or https)`);
    }
  }
  return origins;
}

let cached: { value: string | undefined; origins: string[] } | undefined;
/** ALLOWED_ORIGINS of this process, parsed once per value. */
export function allowedOriginsFromEnv(): string[] {
  const value = process.env.ALLOWED_ORIGINS;
  if (cached === undefined || cached.value !== value) cached = { value, origins: parseAllowedOrigins(value) };
  return cached.origins;
}

/** Origins compare as sent by browsers: scheme and host case-insensitively. */
function isAllowed(origin: string | undefined, allowed: readonly string[]): origin is string {
  if (!origin) return false;
  const wanted = origin.toLowerCase();
  return allowed.some((entry) => entry.toLowerCase() === wanted);
}

/** Headers of an actual (non-preflight) answer to a request from `origin`. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (allowed.length === 0) return {};
  // The answer depends on Origin whenever a list is configured: caches must keep one per origin.
  if (!isAllowed(origin, allowed)) return { vary: "Origin" };
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(", "),
    vary: "Origin",
  };
}

/** Headers of the answer to a preflight (OPTIONS with Access-Control-Request-Method) from `origin`. */
export function preflightHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (!isAllowed(origin, allowed)) return allowed.length > 0 ? { vary: "Origin" } : {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": CORS_ALLOWED_METHODS.join(", "),
    "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
    vary: "Origin",
  };
}

/** Whether a request is a CORS preflight (answered before any route, without credentials). */
export function isPreflight(method: string, headers: Record<string, string | undefined>): boolean {
  return method === "OPTIONS" && headers.origin !== undefined && headers["access-control-request-method"] !== undefined;
}

/** `headers` with the CORS headers for `origin` added (a Vary already there keeps its values). */
export function withCorsHeaders(
  headers: Record<string, string>,
  origin: string | undefined,
  allowed: readonly string[] = allowedOriginsFromEnv(),
): Record<string, string> {
  const { vary, ...cors } = corsHeaders(origin, allowed);
  const out: Record<string, string> = { ...headers, ...cors };
  if (vary) {
    const existing = Object.entries(headers).find(([name]) => name.toLowerCase() === "vary");
    if (existing) delete out[existing[0]];
    out.vary = existing ? `${existing[1]}, ${vary}` : vary;
  }
  return out;
}
