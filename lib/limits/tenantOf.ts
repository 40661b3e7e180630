import { basicUserName, bearerToken, verifyApiKey, verifyUserToken } from "../auth/credentials.js";
import type { Family } from "../routes.js";
import type { Store } from "../storage/client.js";

/**
 * Whose request is it: the environment of the credential a request carries, in the way its family authenticates
 * (CONTRACT §0): a Bearer API key (ingestion, users, insights), an API key as HTTP Basic user name (Segment's
 * tracking routes, §11) or a dashboard user token (x-user-id + x-auth-token). A Segment request that carries its
 * key only as `writeKey` in the body is not known here (authorizers don't see bodies): it counts as anonymous. Undefined when the credential is missing, unknown or revoked. Shared by the API Gateway authorizer
 * and the local server's rate limiter, so both count a request against the same tenant.
 */
export async function tenantOf(
  store: Store,
  family: Family,
  headers: Record<string, string | undefined>,
): Promise<string | undefined> {
  const principal =
    family === "dashboard"
      ? await verifyUserToken(store, headers["x-user-id"], headers["x-auth-token"])
      : await verifyApiKey(store, bearerToken(headers.authorization) ?? basicUserName(headers.authorization));
  return principal?.environmentId;
}

/** Header names in lower case (API Gateway hands them over as sent). */
export function lowerCaseHeaders(headers: Record<string, string | undefined> | null | undefined) {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value ?? undefined;
  return out;
}
