import { HttpError, type HttpRequest } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { bearerToken, verifyApiKey } from "./credentials.js";

/**
 * The API-key check of the routes that take a bare `Authorization: Bearer <api key>`: ingestion (CONTRACT §2,
 * permission `ingest`) and the insights family — reports, charts, sign-up parameters (§6, permission `read`).
 * Both answer with the same error bodies, `401 {"error": "unauthorized"}` and `403 {"error": "forbidden"}`.
 * (The users family also takes an API key but with `environment-id` and its own error format: lib/users/auth.ts.)
 */

/** The environment of the request's API key; throws 401 (missing, unknown, revoked) or 403 (lacks `permission`). */
export async function authorizeApiKey(
  store: Store,
  request: HttpRequest,
  permission: "read" | "ingest",
): Promise<string> {
  const principal = await verifyApiKey(store, bearerToken(request.headers.authorization));
  if (!principal) throw new HttpError(401, { error: "unauthorized" });
  if (!principal.permissions.includes(permission)) throw new HttpError(403, { error: "forbidden" });
  return principal.environmentId;
}
