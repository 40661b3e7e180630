import { type Family, routes } from "../routes.js";
import type { Store } from "../storage/client.js";
import { tenantOf } from "./tenantOf.js";

/**
 * The API Gateway Lambda authorizer's decision (REQUEST authorizer, results cached by API Gateway for the cache TTL
 * per identity source: the `Authorization` header, or `x-user-id` + `x-auth-token` on the dashboard routes).
 *
 * It verifies the credential once per cache period and names the tenant as the *usage identifier*
 * (`apiKeySourceType: AUTHORIZER`): API Gateway then throttles the request with the usage plan of that tenant's
 * tier and answers 429 before any Lambda or DynamoDB work.
 *
 * It never denies. A request whose credential is unknown or revoked is allowed under the shared anonymous usage
 * key (a plan with low limits) and reaches its family's handler, which checks the credential itself on every
 * request and answers 401/403 in the family's exact format (CONTRACT §4–§6) — a gateway deny could only answer
 * one body for every family. So a revoked key is refused by the handler at once; what the cache keeps for up to
 * its TTL is only which plan counts the key's requests. The policy allows the whole stage, since a cached decision
 * is reused for every route the same credential calls.
 */

/**
 * The value of the gateway API key shared by every request without a valid credential (≥ 20 characters, as API
 * Gateway asks; one per stage, since key values are unique in an account and region).
 */
export const anonymousUsageKey = (stage: string) => `engagement-insights-${stage}-anonymous-callers`;

export interface AuthorizerDecision {
  principalId: string;
  usageIdentifierKey: string;
  context: { environmentId: string };
}

/** The family of an API Gateway resource template (insights for anything not in the route table). */
export function familyOfResource(resource: string): Family {
  return routes.find((route) => route.resource === resource)?.family ?? "insights";
}

export async function decide(
  store: Store,
  resource: string,
  headers: Record<string, string | undefined>,
  anonymousKey: string,
): Promise<AuthorizerDecision> {
  const environmentId = await tenantOf(store, familyOfResource(resource), headers);
  if (environmentId === undefined) {
    return { principalId: "anonymous", usageIdentifierKey: anonymousKey, context: { environmentId: "" } };
  }
  return { principalId: environmentId, usageIdentifierKey: environmentId, context: { environmentId } };
}

/**
 * `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path}` → the same ARN for every method and path
 * of the stage, so the cached decision holds for every route.
 */
export function stageWideArn(methodArn: string): string {
  const [prefix, stage] = methodArn.split("/");
  return `${prefix}/${stage}/*/*`;
}
