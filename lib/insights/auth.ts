import { bearerToken, verifyApiKey } from "../auth/credentials.js";
import { HttpError, type HttpRequest } from "../http/types.js";
import type { Store } from "../storage/client.js";

/**
 * Shared rules of the insights family (CONTRACT §6): every route needs a Bearer API key with `read`, and its
 * errors have one shape, so report and chart routes answer alike.
 */

/**
 * The environment of the request's API key; throws 401 (missing, unknown, revoked) or 403 (lacks `permission`:
 * `read` for the read routes, `ingest` for the events route, which shares this family's error format).
 */
export async function authorizeInsights(
  store: Store,
  request: HttpRequest,
  permission: "read" | "ingest" = "read",
): Promise<string> {
  const principal = await verifyApiKey(store, bearerToken(request.headers.authorization));
  if (!principal) throw new HttpError(401, { error: "unauthorized" });
  if (!principal.permissions.includes(permission)) throw new HttpError(403, { error: "forbidden" });
  return principal.environmentId;
}

/** A 400 whose message names the parameter and its allowed values. */
export function invalidRequest(message: string): HttpError {
  return new HttpError(400, { error: "invalid_request", message });
}
