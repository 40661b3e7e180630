import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  AccessLogField,
  AccessLogFormat,
  ApiKeySourceType,
  EndpointType,
  IdentitySource,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseTransferMode,
  ResponseType,
  RestApi,
  type UsagePlan,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from "../lib/http/cors.js";
import { familyErrors, gatewayBodies } from "../lib/http/familyErrors.js";
import { anonymousUsageKey } from "../lib/limits/authorizer.js";
import { type RateLimits, tierName } from "../lib/limits/limits.js";
import { type Family, familyPrefixes, PROXY_SUFFIX, routes, SEGMENT_ROUTES } from "../lib/routes.js";
import { STREAMING_FAMILIES, STREAMING_HTTP_TIMEOUT } from "./functions.js";

export interface ApiProps {
  stage: string;
  functions: Record<Family, IFunction>;
  throttlingRateLimit: number;
  throttlingBurstLimit: number;
  /** The authorizer Lambda (functions/authorizer.ts): names each request's tenant as its usage identifier. */
  authorizer: IFunction;
  /** Seconds an authorizer result is cached per credential. */
  authorizerCacheTtl: number;
  /** The default tier every environment starts in, and the shared plan of requests without a valid credential. */
  tenantLimits: RateLimits;
  anonymousLimits: RateLimits;
  /**
   * Origins whose pages may call the API from a browser (lib/http/cors.ts). Listed: every resource answers the
   * preflight (a mock OPTIONS method, no authorizer); none (default): no OPTIONS method, same-origin only.
   */
  allowedOrigins: readonly string[];
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** Every ancestor of a resource path, shortest first: `/a/b/c` → `/a`, `/a/b`. */
function ancestors(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
}

/** The family whose prefix holds a path (the longest prefix wins), if any. */
function familyOfPrefix(path: string): Family | undefined {
  return familyPrefixes
    .filter(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`))
    .sort((a, b) => b.prefix.length - a.prefix.length)[0]?.family;
}

/** JSON access log line; `requestId` is the id handlers log and return as `x-request-id`. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    ip: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    protocol: AccessLogField.contextProtocol(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    integrationStatus: AccessLogField.contextIntegrationStatus(),
    errorMessage: AccessLogField.contextErrorMessage(),
  }),
);

/**
 * The REST API: every route of lib/routes.ts as a resource + method on its family's Lambda (proxy integration).
 *
 * Routing so that every answer comes from a family handler in its own format (CONTRACT §8):
 *  - each documented resource also has `ANY`, so a wrong method reaches the handler, which answers 405;
 *  - each family prefix has `{proxy+}` `ANY`, so an unknown path under it reaches the handler (404);
 *  - every resource between a prefix and a route (e.g. `/api/backend/v1/user_report`) has `ANY` too: API Gateway
 *    does not fall back to the catch-all for a path that names an existing resource without methods.
 * Paths outside every prefix get API Gateway's MISSING_AUTHENTICATION_TOKEN, turned into a JSON 404.
 *
 * Each function gets one invoke permission for the API instead of one per method: per-method permissions
 * (×2 with test invocations) would exceed the 20 KB Lambda resource-policy limit on the insights function.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  /** `METHOD resource` → family, for every method created (tests compare it with lib/routes.ts). */
  readonly methods = new Map<string, Family>();
  /** Usage plan names of tenant tiers start with it (the admin CLI creates further tiers under it). */
  readonly usagePlanPrefix: string;
  readonly defaultTier: UsagePlan;
  readonly anonymousPlan: UsagePlan;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.restApi = new RestApi(this, "RestApi", {
      restApiName: `engagement-insights-${props.stage}`,
      description: "engagement-insights: ingestion, engagement dashboard, users and insights APIs",
      endpointTypes: [EndpointType.REGIONAL],
      // Usage plans are chosen by the authorizer's usageIdentifierKey (the tenant), not by an x-api-key header.
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      // Every type binary, so a proxy result with isBase64Encoded (a compressed big answer, functions/shared/
      // compressResponse.ts) is decoded to bytes whatever the client's first Accept value (API Gateway matches that
      // or the Content-Type against this list). In turn request bodies reach the handlers base64-encoded with
      // isBase64Encoded set, which toHttpRequest decodes.
      binaryMediaTypes: ["*/*"],
      // Stage logging needs the account-level API Gateway → CloudWatch role. It is shared by every API of the
      // account and region, so it is kept when this stack is deleted.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      // CDK's preflight answers Access-Control-Allow-Origin with the request's Origin when it is listed (one origin:
      // always that one, which a browser on any other origin refuses).
      ...(props.allowedOrigins.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [...CORS_ALLOWED_METHODS],
              allowHeaders: [...CORS_ALLOWED_HEADERS],
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
              statusCode: 204,
            },
          }
        : {}),
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        // Execution logs for errors only; never request/response data, which holds API keys and tokens.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat,
      },
    });

    // A streaming family (the dashboard, insights) is invoked with response streaming (InvokeWithResponseStream): its answers
    // pass API Gateway as they are written, with no 6 MB (Lambda) or 10 MB (API Gateway) limit and no 29 s timeout.
    // API Gateway does no content encoding then: the function compresses itself.
    const integrations = Object.fromEntries(
      Object.entries(props.functions).map(([family, fn]) => [
        family,
        new LambdaIntegration(fn, {
          proxy: true,
          scopePermissionToMethod: false,
          ...(STREAMING_FAMILIES.includes(family as Family)
            ? { responseTransferMode: ResponseTransferMode.STREAM, timeout: STREAMING_HTTP_TIMEOUT }
            : {}),
        }),
      ]),
    ) as Record<Family, LambdaIntegration>;

    // One authorizer per way of presenting a credential: its identity sources are the cache key.
    const cacheTtl = Duration.seconds(props.authorizerCacheTtl);
    const bearerAuthorizer = new RequestAuthorizer(this, "BearerAuthorizer", {
      handler: props.authorizer,
      identitySources: [IdentitySource.header("Authorization")],
      resultsCacheTtl: cacheTtl,
    });
    const dashboardAuthorizer = new RequestAuthorizer(this, "DashboardAuthorizer", {
      handler: props.authorizer,
      identitySources: [IdentitySource.header("x-user-id"), IdentitySource.header("x-auth-token")],
      resultsCacheTtl: cacheTtl,
    });

    // Segment's routes (CONTRACT §11) take the key as HTTP Basic or as `writeKey` in the body, which no identity
    // source can name: this authorizer has none and no cache, so it runs on every request (one Segment request is a
    // whole batch) and counts Basic-auth requests against their tenant; body-only keys count as anonymous.
    const segmentAuthorizer = new RequestAuthorizer(this, "SegmentAuthorizer", {
      handler: props.authorizer,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    const authorizerOf = (resource: IResource, family: Family) =>
      family === "dashboard"
        ? dashboardAuthorizer
        : (SEGMENT_ROUTES as readonly string[]).includes(resource.path)
          ? segmentAuthorizer
          : bearerAuthorizer;

    const root = this.restApi.root;
    const addMethod = (resource: IResource, method: string, family: Family, limited = false) => {
      // Documented routes are authorized and counted against their tenant's usage plan; the catch-alls (404/405
      // answered by the handler without reading data) only by the stage throttle.
      resource.addMethod(
        method,
        integrations[family],
        limited ? { authorizer: authorizerOf(resource, family), apiKeyRequired: true } : {},
      );
      this.methods.set(`${method} ${resource.path}`, family);
    };

    const documented = new Map<string, Family>();
    for (const route of routes) {
      // Discovery (openapi.json, /docs) is public: no credential to check, no tenant to count it against.
      addMethod(root.resourceForPath(route.resource), route.method, route.family, route.family !== "docs");
      documented.set(route.resource, route.family);
    }
    for (const [resource, family] of documented) addMethod(root.resourceForPath(resource), "ANY", family);

    for (const { family, prefix } of familyPrefixes) {
      addMethod(root.resourceForPath(`${prefix}${PROXY_SUFFIX}`), "ANY", family);
    }

    const intermediate = new Set<string>(familyPrefixes.map(({ prefix }) => prefix));
    for (const resource of documented.keys()) for (const path of ancestors(resource)) intermediate.add(path);
    for (const path of intermediate) {
      const family = familyOfPrefix(path);
      if (family && !documented.has(path)) addMethod(root.resourceForPath(path), "ANY", family);
    }

    this.usagePlanPrefix = `engagement-insights-${props.stage}-tier-`;
    const apiStages = [{ api: this.restApi, stage: this.restApi.deploymentStage }];
    this.defaultTier = this.restApi.addUsagePlan("DefaultTier", {
      name: `${this.usagePlanPrefix}${tierName(props.tenantLimits)}`,
      description: "Default tier: every environment's gateway key starts here (environment set-limits moves it)",
      throttle: { rateLimit: props.tenantLimits.rate, burstLimit: props.tenantLimits.burst },
      apiStages,
    });
    this.anonymousPlan = this.restApi.addUsagePlan("AnonymousPlan", {
      name: `engagement-insights-${props.stage}-anonymous`,
      description: "Requests without a valid credential, all together (the handlers answer them 401)",
      throttle: { rateLimit: props.anonymousLimits.rate, burstLimit: props.anonymousLimits.burst },
      apiStages,
    });
    this.anonymousPlan.addApiKey(
      this.restApi.addApiKey("AnonymousKey", {
        apiKeyName: `engagement-insights-${props.stage}-anonymous`,
        value: anonymousUsageKey(props.stage),
        description: "Usage identifier the authorizer gives requests without a valid credential",
      }),
    );

    // API Gateway's own answers (429, 401, 404) cannot choose among several origins (no VTL in gateway responses):
    // with one allowed origin they name it, so a page there can read a 429's Retry-After; with several they carry
    // none and the page sees a network error (the SDK retries those too).
    const only = props.allowedOrigins.length === 1 ? props.allowedOrigins[0] : undefined;
    const json = {
      "Content-Type": "'application/json; charset=utf-8'",
      ...(only
        ? {
            "Access-Control-Allow-Origin": `'${only}'`,
            "Access-Control-Expose-Headers": `'${CORS_EXPOSED_HEADERS.join(", ")}'`,
            Vary: "'Origin'",
          }
        : {}),
    };
    // Gateway bodies are one per API (no VTL in gateway responses): each holds every family's keys (familyErrors.ts).
    for (const [id, type, retryAfter] of [
      ["Throttled", ResponseType.THROTTLED, "1"],
      ["QuotaExceeded", ResponseType.QUOTA_EXCEEDED, "60"],
    ] as const) {
      this.restApi.addGatewayResponse(id, {
        type,
        statusCode: "429",
        responseHeaders: { ...json, "Retry-After": `'${retryAfter}'` },
        templates: { "application/json": JSON.stringify(gatewayBodies.tooManyRequests) },
      });
    }
    // A request missing its identity source never reaches the authorizer; a tenant whose gateway key was deleted
    // (environment delete) while its authorizer result is cached has no usage plan: both are unauthenticated.
    for (const [id, type] of [
      ["MissingCredentials", ResponseType.UNAUTHORIZED],
      ["DeletedTenant", ResponseType.INVALID_API_KEY],
    ] as const) {
      this.restApi.addGatewayResponse(id, {
        type,
        statusCode: "401",
        responseHeaders: json,
        templates: { "application/json": JSON.stringify(gatewayBodies.unauthorized) },
      });
    }

    this.restApi.addGatewayResponse("UnknownPath", {
      type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: "404",
      responseHeaders: json,
      templates: { "application/json": JSON.stringify(familyErrors.insights.notFound) },
    });
  }
}
