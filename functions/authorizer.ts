import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { decide, stageWideArn } from "../lib/limits/authorizer.js";
import { lowerCaseHeaders } from "../lib/limits/tenantOf.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { logger } from "./shared/logger.js";

/**
 * The REST API's Lambda authorizer (see lib/limits/authorizer.ts): names the request's tenant as the usage
 * identifier so API Gateway applies that tenant's usage plan. It keeps no cache of its own: API Gateway's result
 * cache (its TTL in the stack) is the only one.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult & { usageIdentifierKey: string }> => {
  const anonymousKey = process.env.ANONYMOUS_USAGE_KEY;
  if (!anonymousKey) throw new Error("ANONYMOUS_USAGE_KEY is not set");
  const decision = await decide(storeFromEnv(), event.resource, lowerCaseHeaders(event.headers), anonymousKey);
  logger.info("authorized", { tenant: decision.principalId, request_id: event.requestContext?.requestId });
  return {
    principalId: decision.principalId,
    usageIdentifierKey: decision.usageIdentifierKey,
    context: decision.context,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: stageWideArn(event.methodArn) }],
    },
  };
};
