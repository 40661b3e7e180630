import { bearerToken, verifyApiKey } from "../auth/credentials.js";
import type { HttpRequest } from "../http/types.js";
import type { Store } from "../storage/client.js";
import { usersError } from "./errors.js";

/**
 * The environment a users-family request may read (CONTRACT §5): a Bearer API key (401 when missing, unknown or
 * revoked), then the `environment-id` header naming the key's own environment and the `read` permission (403).
 */
export async function authorizeUsersApi(store: Store, request: HttpRequest): Promise<string> {
  const presented = bearerToken(request.headers.authorization);
  if (!presented) throw usersError(401, "Missing API key: send Authorization: Bearer <api key>");
  const principal = await verifyApiKey(store, presented);
  if (!principal) throw usersError(401, "Invalid or revoked API key");
  const environmentId = request.headers["environment-id"];
  if (!environmentId) throw usersError(403, "Missing environment-id header");
  if (environmentId !== principal.environmentId) {
    throw usersError(403, "The API key does not belong to the environment in environment-id");
  }
  if (!principal.permissions.includes("read")) throw usersError(403, "The API key lacks the read permission");
  return environmentId;
}
