import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/authorizer.js";
import { createEnvironment, createUserToken, revokeApiKey } from "../../lib/auth/credentials.js";
import { stageWideArn } from "../../lib/limits/authorizer.js";
import type { Store } from "../../lib/storage/client.js";
import { testStore } from "../helpers/store.js";

let store: Store;
beforeAll(async () => {
  store = await testStore();
  process.env.ANONYMOUS_USAGE_KEY = "engagement-insights-test-anonymous-callers";
});

const ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/api/v2/users";

function event(resource: string, headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: ARN,
    resource,
    path: resource,
    httpMethod: "GET",
    headers,
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: "r1" } as APIGatewayRequestAuthorizerEvent["requestContext"],
  };
}

describe("authorizer Lambda", () => {
  it("names the API key's environment as the usage identifier, for the whole stage", async () => {
    const env = await createEnvironment(store, "a");
    const result = await handler(event("/api/v2/users", { Authorization: `Bearer ${env.api_key}` }));
    expect(result.usageIdentifierKey).toBe(env.environment_id);
    expect(result.principalId).toBe(env.environment_id);
    expect(result.context).toEqual({ environmentId: env.environment_id });
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: "execute-api:Invoke",
        Effect: "Allow",
        Resource: "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*",
      },
    ]);
    expect(stageWideArn(ARN)).toBe("arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*");
  });

  it("uses the dashboard user token on dashboard routes", async () => {
    const env = await createEnvironment(store, "b");
    const token = await createUserToken(store, env.environment_id, "dash");
    const result = await handler(
      event("/api/v1/engagement-dashboard/users/active-users", {
        "X-User-Id": token.user_id,
        "X-Auth-Token": token.auth_token,
      }),
    );
    expect(result.usageIdentifierKey).toBe(env.environment_id);
  });

  it("lets unknown and revoked credentials through under the anonymous key (the handler answers 401)", async () => {
    const env = await createEnvironment(store, "c");
    const headers = { Authorization: `Bearer ${env.api_key}` };
    expect((await handler(event("/api/backend/v1/events", headers))).usageIdentifierKey).toBe(env.environment_id);
    await revokeApiKey(store, env.environment_id, env.api_key);
    // No cache of its own: the next call (after API Gateway's cache TTL) sees the revocation.
    const revoked = await handler(event("/api/backend/v1/events", headers));
    expect(revoked.usageIdentifierKey).toBe("engagement-insights-test-anonymous-callers");
    expect(revoked.context).toEqual({ environmentId: "" });
    const garbage = await handler(event("/api/backend/v1/events", { Authorization: "Bearer x" }));
    expect(garbage.usageIdentifierKey).toBe("engagement-insights-test-anonymous-callers");
  });
});
