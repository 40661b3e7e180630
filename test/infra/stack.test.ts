import { beforeAll, describe, expect, it } from "vitest";
import { type Family, familyPrefixes, routes, SEGMENT_ROUTES } from "../../lib/routes.js";
import {
  GSI_BY_LAST_ACTIVE,
  GSI_BY_SIGNUP,
  TTL_ATTRIBUTE,
  tableDefinitions,
  tableNamesFromEnv,
} from "../../lib/storage/tableDesign.js";
import { type CfnResource, logicalIdByPath, resourcesOfType, synth } from "./synth.js";

const FAMILIES: Family[] = ["ingest", "dashboard", "users", "insights", "docs"];
const FUNCTION_PATHS: Record<string, string> = {
  ingest: "/Http/ingest/Resource",
  dashboard: "/Http/dashboard/Resource",
  users: "/Http/users/Resource",
  insights: "/Http/insights/Resource",
  docs: "/Http/docs/Resource",
  "refresh-dispatcher": "/Refresh/Dispatcher/Resource",
  "refresh-worker": "/Refresh/Worker/Resource",
  authorizer: "/Http/authorizer/Resource",
  "deletion-worker": "/Deletion/Worker/Resource",
  "erasure-worker": "/Erasure/Worker/Resource",
  "webhook-dispatcher": "/Webhooks/Dispatcher/Resource",
  "webhook-delivery": "/Webhooks/Delivery/Resource",
};

/** Every context key set away from its default at once: one more synth instead of one per key. */
const VARIANT = {
  stage: "prod",
  tablePrefix: "acme-",
  refreshRate: "15",
  apiThrottleRate: "25",
  apiThrottleBurst: 50,
  lambdaRuntime: "nodejs22.x",
  allowedOrigins: "https://app.example.com, https://admin.example.com:8443",
};

type Synth = ReturnType<typeof synth>;
let dev: Synth;
let variant: Synth;
let fnIds: Record<string, string>;

beforeAll(() => {
  dev = synth();
  variant = synth(VARIANT);
  fnIds = Object.fromEntries(
    Object.entries(FUNCTION_PATHS).map(([name, path]) => [
      name,
      logicalIdByPath(dev.template, "AWS::Lambda::Function", path),
    ]),
  );
});

/**
 * CDK's BucketDeployment handler (infra/web.ts uploads the dashboard with it) is CDK's code with CDK's runtime and
 * grants, run only during deployments: the rules below are about the service's own functions and roles. Its
 * findings are reviewed in infra/web.ts (cdk-nag).
 */
const isDashboardUpload = (r: CfnResource) =>
  String(r.Metadata?.["aws:cdk:path"]).includes("/Custom::CDKBucketDeployment");
const serviceFunctions = (s: Synth) =>
  resourcesOfType(s.template, "AWS::Lambda::Function").filter(([, f]) => !isDashboardUpload(f));

const ref = (id: string) => ({ Ref: id });
/** The refresh's job queue and DLQ (the deletion jobs have their own pair, test/infra/tenantJobs.test.ts). */
const refreshQueues = () =>
  resourcesOfType(dev.template, "AWS::SQS::Queue").filter(([, q]) =>
    String(q.Metadata?.["aws:cdk:path"]).includes("/Refresh/"),
  );
const arnOf = (id: string) => ({ "Fn::GetAtt": [id, "Arn"] });
const tableId = (name: string) => logicalIdByPath(dev.template, "AWS::DynamoDB::Table", `/Tables/${name}/Resource`);

/** Full resource path of every API Gateway resource, rebuilt from ParentId/PathPart links. */
function resourcePaths(resources: [string, CfnResource][]): Map<string, string> {
  const byId = new Map(resources);
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known) return known;
    const resource = byId.get(id);
    if (!resource?.Properties) throw new Error(`no resource ${id}`);
    const parent = resource.Properties.ParentId as { Ref?: string };
    const path = `${parent.Ref ? pathOf(parent.Ref) : ""}/${resource.Properties.PathPart}`;
    paths.set(id, path);
    return path;
  };
  for (const [id] of resources) pathOf(id);
  return paths;
}

function functionOfUri(uri: unknown): string | undefined {
  return /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(JSON.stringify(uri))?.[1];
}

describe("REST API", () => {
  /** `METHOD /path` → the logical id of the function it invokes, read from the template. */
  function templateMethods(): Map<string, string> {
    const paths = resourcePaths(resourcesOfType(dev.template, "AWS::ApiGateway::Resource"));
    const methods = new Map<string, string>();
    for (const [id, method] of resourcesOfType(dev.template, "AWS::ApiGateway::Method")) {
      const props = method.Properties ?? {};
      const path = paths.get((props.ResourceId as { Ref: string }).Ref);
      expect(path, `method ${id} on an unknown resource`).toBeDefined();
      expect(props.Integration).toMatchObject({ Type: "AWS_PROXY", IntegrationHttpMethod: "POST" });
      const fn = functionOfUri(props.Integration.Uri);
      expect(fn, `method ${id} invokes no function`).toBeDefined();
      methods.set(`${props.HttpMethod} ${path}`, fn as string);
    }
    return methods;
  }

  it("treats every media type as binary, so a gzipped base64 proxy result (isBase64Encoded) is sent as bytes", () => {
    const apis = resourcesOfType(dev.template, "AWS::ApiGateway::RestApi");
    expect(apis).toHaveLength(1);
    expect(apis[0]?.[1].Properties?.BinaryMediaTypes).toEqual(["*/*"]);
  });

  it("has every route of lib/routes.ts, integrated (AWS_PROXY) with its family's function", () => {
    const methods = templateMethods();
    for (const route of routes) {
      expect(methods.get(`${route.method} ${route.resource}`), `${route.method} ${route.resource}`).toBe(
        fnIds[route.family],
      );
    }
  });

  it("serves Segment's tracking routes (CONTRACT §11) on the ingestion function, with an uncached authorizer", () => {
    const methods = templateMethods();
    const paths = resourcePaths(resourcesOfType(dev.template, "AWS::ApiGateway::Resource"));
    const authorizers = new Map(resourcesOfType(dev.template, "AWS::ApiGateway::Authorizer"));
    expect(SEGMENT_ROUTES).toHaveLength(7);
    for (const resource of SEGMENT_ROUTES) {
      expect(methods.get(`POST ${resource}`), resource).toBe(fnIds.ingest);
      const [, method] = resourcesOfType(dev.template, "AWS::ApiGateway::Method").find(
        ([, m]) =>
          m.Properties?.HttpMethod === "POST" &&
          paths.get((m.Properties.ResourceId as { Ref: string }).Ref) === resource,
      ) as [string, CfnResource];
      expect(method.Properties).toMatchObject({ AuthorizationType: "CUSTOM", ApiKeyRequired: true });
      // The key may be in the body (writeKey), which no identity source names: no cache, no identity source.
      const authorizer = authorizers.get((method.Properties?.AuthorizerId as { Ref: string } | undefined)?.Ref ?? "");
      expect(authorizer?.Properties).toMatchObject({ Type: "REQUEST", AuthorizerResultTtlInSeconds: 0 });
      expect(authorizer?.Properties?.IdentitySource ?? "").toBe("");
    }
    // /v1 is no family prefix: no catch-all there (unknown paths get the gateway's JSON 404).
    expect([...methods.keys()].filter((m) => m.includes(" /v1") && !m.startsWith("POST "))).toEqual(
      SEGMENT_ROUTES.map((r) => `ANY ${r}`),
    );
  });

  it("answers every other method of a documented resource through the same function (ANY → 405 there)", () => {
    const methods = templateMethods();
    for (const route of routes) {
      expect(methods.get(`ANY ${route.resource}`), `ANY ${route.resource}`).toBe(fnIds[route.family]);
    }
  });

  it("has a {proxy+} catch-all under each family prefix, on that family's function (404 there)", () => {
    const methods = templateMethods();
    for (const { family, prefix } of familyPrefixes) {
      expect(methods.get(`ANY ${prefix}/{proxy+}`), prefix).toBe(fnIds[family]);
    }
  });

  it("has no method other than routes, their ANY, catch-alls and ANY on resources inside a prefix", () => {
    const inPrefix = (path: string) =>
      familyPrefixes
        .filter(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`))
        .sort((a, b) => b.prefix.length - a.prefix.length)[0]?.family;
    const expected = new Map<string, string>();
    for (const route of routes) {
      expected.set(`${route.method} ${route.resource}`, fnIds[route.family] as string);
      expected.set(`ANY ${route.resource}`, fnIds[route.family] as string);
      const parts = route.resource.split("/").slice(1);
      for (let i = 1; i < parts.length; i++) {
        const path = `/${parts.slice(0, i).join("/")}`;
        const family = inPrefix(path);
        if (family && !routes.some((r) => r.resource === path)) expected.set(`ANY ${path}`, fnIds[family] as string);
      }
    }
    for (const { family, prefix } of familyPrefixes) {
      expected.set(`ANY ${prefix}/{proxy+}`, fnIds[family] as string);
      expected.set(`ANY ${prefix}`, fnIds[family] as string);
    }
    expect(Object.fromEntries(templateMethods())).toEqual(Object.fromEntries(expected));
  });

  it("invokes the dashboard's and insights' functions with response streaming (STREAM, 3 min), the others buffered", () => {
    const byFamily = new Map<string, Set<string>>();
    for (const [, method] of resourcesOfType(dev.template, "AWS::ApiGateway::Method")) {
      const integration = method.Properties?.Integration;
      const fn = functionOfUri(integration.Uri) as string;
      const uri = JSON.stringify(integration.Uri);
      const mode = integration.ResponseTransferMode ?? "BUFFERED";
      const shape = `${mode} ${integration.TimeoutInMillis ?? "default"} ${/\/(2021-11-15|2015-03-31)\/functions\//.exec(uri)?.[1]} ${/"\/([a-z-]*invocations)"/.exec(uri)?.[1]}`;
      byFamily.set(fn, (byFamily.get(fn) ?? new Set()).add(shape));
    }
    for (const family of ["dashboard", "insights"]) {
      expect([...(byFamily.get(fnIds[family] as string) ?? [])], family).toEqual([
        "STREAM 180000 2021-11-15 response-streaming-invocations",
      ]);
    }
    for (const family of ["ingest", "users", "docs"]) {
      expect([...(byFamily.get(fnIds[family] as string) ?? [])], family).toEqual([
        "BUFFERED default 2015-03-31 invocations",
      ]);
    }
  });

  it("gives the streaming functions the integration's 3 min, the buffered ones 25 s (under API Gateway's 29 s)", () => {
    const timeoutOf = (name: string) =>
      (dev.template.toJSON().Resources[fnIds[name] as string] as CfnResource).Properties?.Timeout;
    expect(timeoutOf("dashboard")).toBe(180);
    expect(timeoutOf("insights")).toBe(180);
    for (const family of ["ingest", "users", "docs"]) expect(timeoutOf(family), family).toBe(25);
  });

  it("gives each HTTP function a single invoke permission for the API (not one per method)", () => {
    const permissions = resourcesOfType(dev.template, "AWS::Lambda::Permission").filter(
      ([, p]) => p.Properties?.Principal === "apigateway.amazonaws.com",
    );
    const perFunction = permissions.map(([, p]) => functionOfUri(p.Properties?.FunctionName));
    // The authorizer has one per authorizer that uses it (bearer, dashboard and Segment credentials).
    expect(perFunction.sort()).toEqual(
      [...FAMILIES.map((f) => fnIds[f]), fnIds.authorizer, fnIds.authorizer, fnIds.authorizer].sort(),
    );
  });

  it("turns API Gateway's answer for unknown paths outside every prefix into a JSON 404", () => {
    dev.template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
      ResponseType: "MISSING_AUTHENTICATION_TOKEN",
      StatusCode: "404",
    });
  });

  it("throttles the stage with the context rate/burst (defaults 100/200) and logs access as JSON with requestId", () => {
    const stageOf = (s: Synth) => resourcesOfType(s.template, "AWS::ApiGateway::Stage")[0]?.[1].Properties ?? {};
    const stage = stageOf(dev);
    expect(stage.StageName).toBe("dev");
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: "*",
        ResourcePath: "/*",
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
        LoggingLevel: "ERROR",
        DataTraceEnabled: false,
      }),
    ]);
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format.requestId).toBe("$context.requestId");
    const accessLogs = logicalIdByPath(dev.template, "AWS::Logs::LogGroup", "/Api/AccessLogs/Resource");
    expect(JSON.stringify(stage.AccessLogSetting.DestinationArn)).toContain(JSON.stringify(ref(accessLogs)));

    const tuned = stageOf(variant);
    expect(tuned.StageName).toBe("prod");
    expect(tuned.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 });
  });

  it("sets up the account's API Gateway CloudWatch role and keeps it when the stack goes", () => {
    const accounts = resourcesOfType(dev.template, "AWS::ApiGateway::Account");
    expect(accounts).toHaveLength(1);
    const roleArn = accounts[0]?.[1].Properties?.CloudWatchRoleArn as { "Fn::GetAtt": string[] };
    const roleId = roleArn["Fn::GetAtt"][0];
    expect(dev.template.toJSON().Resources[roleId as string].DeletionPolicy).toBe("Retain");
  });
});

describe("cross-origin use (CORS, context allowedOrigins)", () => {
  const ORIGINS = ["https://app.example.com", "https://admin.example.com:8443"];
  const optionsMethods = (s: Synth) =>
    resourcesOfType(s.template, "AWS::ApiGateway::Method").filter(([, m]) => m.Properties?.HttpMethod === "OPTIONS");
  const familyFunctions = (s: Synth) =>
    serviceFunctions(s).filter(([, f]) =>
      FAMILIES.some((family) => f.Metadata?.["aws:cdk:path"].includes(`/Http/${family}/`)),
    );

  it("by default: no OPTIONS method and no ALLOWED_ORIGINS (same-origin only)", () => {
    expect(optionsMethods(dev)).toEqual([]);
    for (const [id, fn] of serviceFunctions(dev))
      expect(fn.Properties?.Environment.Variables.ALLOWED_ORIGINS, id).toBeUndefined();
  });

  it("with origins: every resource answers the preflight without authorizer, naming only a listed origin", () => {
    const options = optionsMethods(variant);
    const resources = resourcesOfType(variant.template, "AWS::ApiGateway::Resource");
    // Every resource and the root.
    expect(options).toHaveLength(resources.length + 1);
    for (const [id, method] of options) {
      const props = method.Properties ?? {};
      expect(props.AuthorizationType ?? "NONE", id).toBe("NONE");
      expect(props.ApiKeyRequired ?? false, id).toBe(false);
      expect(props.Integration.Type, id).toBe("MOCK");
      const [response] = props.Integration.IntegrationResponses;
      expect(response.StatusCode).toBe("204");
      const headers = response.ResponseParameters;
      expect(headers["method.response.header.Access-Control-Allow-Origin"]).toBe(`'${ORIGINS[0]}'`);
      expect(headers["method.response.header.Vary"]).toBe("'Origin'");
      expect(headers["method.response.header.Access-Control-Allow-Methods"]).toBe("'GET,POST,OPTIONS'");
      expect(headers["method.response.header.Access-Control-Max-Age"]).toBe("'600'");
      const allowHeaders = String(headers["method.response.header.Access-Control-Allow-Headers"]).replaceAll("'", "");
      expect(allowHeaders.split(",").sort()).toEqual(
        ["authorization", "content-type", "environment-id", "x-auth-token", "x-request-id", "x-user-id"].sort(),
      );
      // The other listed origin is answered with itself (CDK's template picks the request's Origin when listed).
      const template = response.ResponseTemplates["application/json"] as string;
      expect(template).toContain(ORIGINS[1]);
    }
  });

  it("tells every family function the origins, whose answers then carry the CORS headers", () => {
    const functions = familyFunctions(variant);
    expect(functions).toHaveLength(FAMILIES.length);
    for (const [id, fn] of functions) {
      expect(fn.Properties?.Environment.Variables.ALLOWED_ORIGINS, id).toBe(ORIGINS.join(","));
    }
  });

  it("names a single origin in API Gateway's own answers (429 with Retry-After exposed, 401, 404)", () => {
    const single = synth({ allowedOrigins: ORIGINS[0] });
    const responses = resourcesOfType(single.template, "AWS::ApiGateway::GatewayResponse");
    expect(responses.length).toBeGreaterThanOrEqual(4);
    for (const [id, response] of responses) {
      expect(response.Properties?.ResponseParameters, id).toMatchObject({
        "gatewayresponse.header.Access-Control-Allow-Origin": `'${ORIGINS[0]}'`,
        "gatewayresponse.header.Access-Control-Expose-Headers": "'x-request-id, retry-after'",
      });
    }
    for (const [id, response] of resourcesOfType(variant.template, "AWS::ApiGateway::GatewayResponse")) {
      expect(
        response.Properties?.ResponseParameters?.["gatewayresponse.header.Access-Control-Allow-Origin"],
        id,
      ).toBeUndefined();
    }
  });

  it("refuses an origin that is not scheme://host[:port]", () => {
    expect(() => synth({ allowedOrigins: "https://app.example.com/" })).toThrow(/allowedOrigins/);
    expect(() => synth({ allowedOrigins: "*" })).toThrow(/allowedOrigins/);
  });
});

describe("tables", () => {
  const prefix = "engagement-insights-dev-";
  const names = tableNamesFromEnv({ TABLE_PREFIX: prefix });
  const sortByName = <T extends { AttributeName?: string; IndexName?: string }>(items: T[]) =>
    [...items].sort((a, b) =>
      String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
    );

  it("mirrors tableDefinitions(): names (TABLE_PREFIX rule), keys and GSIs, on demand", () => {
    for (const definition of tableDefinitions(names)) {
      const found = resourcesOfType(dev.template, "AWS::DynamoDB::Table").filter(
        ([, t]) => t.Properties?.TableName === definition.TableName,
      );
      expect(found, definition.TableName).toHaveLength(1);
      const props = found[0]?.[1].Properties ?? {};
      expect(props.BillingMode).toBe("PAY_PER_REQUEST");
      expect(props.KeySchema).toEqual(definition.KeySchema);
      expect(sortByName(props.AttributeDefinitions)).toEqual(sortByName(definition.AttributeDefinitions));
      const indexes = ("GlobalSecondaryIndexes" in definition ? definition.GlobalSecondaryIndexes : undefined) ?? [];
      expect(sortByName(props.GlobalSecondaryIndexes ?? [])).toEqual(sortByName(indexes));
    }
    expect(resourcesOfType(dev.template, "AWS::DynamoDB::Table")).toHaveLength(3);
  });

  it("keeps the GSIs the storage layer queries", () => {
    const entities = dev.template.toJSON().Resources[tableId("Entities")].Properties;
    expect(entities.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName).sort()).toEqual(
      [GSI_BY_LAST_ACTIVE, GSI_BY_SIGNUP].sort(),
    );
  });

  it("has point-in-time recovery everywhere and TTL on expires_at for reports and entities (batches' events)", () => {
    for (const [, table] of resourcesOfType(dev.template, "AWS::DynamoDB::Table")) {
      expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      if (table.Properties?.TableName === names.reports || table.Properties?.TableName === names.entities) {
        expect(table.Properties?.TimeToLiveSpecification).toEqual({
          AttributeName: TTL_ATTRIBUTE,
          Enabled: true,
        });
      } else {
        expect(table.Properties?.TimeToLiveSpecification).toBeUndefined();
      }
    }
  });

  it("destroys dev tables with the stack, and retains and deletion-protects every other stage's", () => {
    for (const [, table] of resourcesOfType(dev.template, "AWS::DynamoDB::Table")) {
      expect(table.DeletionPolicy).toBe("Delete");
      expect(table.Properties?.DeletionProtectionEnabled).toBe(false);
    }
    for (const [, table] of resourcesOfType(variant.template, "AWS::DynamoDB::Table")) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.UpdateReplacePolicy).toBe("Retain");
      expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
    }
  });

  it("takes an explicit tablePrefix from context", () => {
    const tableNames = resourcesOfType(variant.template, "AWS::DynamoDB::Table").map(
      ([, t]) => t.Properties?.TableName,
    );
    expect(tableNames.sort()).toEqual(Object.values(tableNamesFromEnv({ TABLE_PREFIX: "acme-" })).sort());
  });
});

describe("functions", () => {
  it("are Node 24 on ARM, ESM bundles with source maps, told the table names", () => {
    const functions = serviceFunctions(dev);
    expect(functions.map(([id]) => id).sort()).toEqual(Object.values(fnIds).sort());
    for (const [id, fn] of functions) {
      const props = fn.Properties ?? {};
      expect(props.Runtime, id).toBe("nodejs24.x");
      expect(props.Architectures, id).toEqual(["arm64"]);
      expect(props.Handler, id).toBe("index.handler");
      expect(props.Environment.Variables).toMatchObject({
        ENTITIES_TABLE: ref(tableId("Entities")),
        ACTIVITY_TABLE: ref(tableId("Activity")),
        REPORTS_TABLE: ref(tableId("Reports")),
        POWERTOOLS_SERVICE_NAME: "engagement-insights",
        NODE_OPTIONS: "--enable-source-maps",
      });
      expect(props.LoggingConfig?.LogGroup, `${id} logs to its own log group`).toEqual(ref(expect.any(String)));
    }
  });

  it("switch runtime with context lambdaRuntime, and reject an unknown or a deprecated one", () => {
    const runtimes = serviceFunctions(variant).map(([, f]) => f.Properties?.Runtime);
    expect(new Set(runtimes)).toEqual(new Set(["nodejs22.x"]));
    expect(() => synth({ lambdaRuntime: "python3.12" })).toThrow(/lambdaRuntime/);
    // Lambda no longer creates or updates nodejs20.x functions (cfn-lint E2533).
    expect(() => synth({ lambdaRuntime: "nodejs20.x" })).toThrow(
      /"lambdaRuntime" must be one of nodejs22\.x, nodejs24\.x, got "nodejs20\.x"/,
    );
  });
});

/** Minutes of an EventBridge `rate(N unit)` expression. */
function rateMinutes(expression: string): number {
  const found = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!found) throw new Error(`not a rate expression: ${expression}`);
  const unit = { minute: 1, hour: 60, day: 1440 }[(found[2] as string).replace(/s$/, "") as "minute"];
  return Number(found[1]) * unit;
}

describe("report refresh", () => {
  it("runs the dispatcher on a schedule at the context refreshRate (default 60 minutes)", () => {
    const scheduleOf = (s: Synth) => {
      const rules = resourcesOfType(s.template, "AWS::Events::Rule");
      expect(rules).toHaveLength(1);
      return rules[0]?.[1].Properties ?? {};
    };
    const rule = scheduleOf(dev);
    expect(rateMinutes(rule.ScheduleExpression)).toBe(60);
    expect(rule.State).toBe("ENABLED");
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: arnOf(fnIds["refresh-dispatcher"] as string) })]);
    expect(rateMinutes(scheduleOf(variant).ScheduleExpression)).toBe(15);
    expect(() => synth({ refreshRate: "0" })).toThrow(/refreshRate/);
    expect(() => synth({ refreshRate: "soon" })).toThrow(/refreshRate/);
  });

  it("queues jobs with a visibility timeout longer than the worker's, retries 3 times, then the DLQ", () => {
    const queues = refreshQueues();
    expect(queues).toHaveLength(2);
    const [jobsId, jobs] = queues.find(([, q]) => q.Properties?.RedrivePolicy) as [string, CfnResource];
    const [dlqId] = queues.find(([id]) => id !== jobsId) as [string, CfnResource];
    expect(jobs.Properties?.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(dlqId), maxReceiveCount: 3 });
    const worker = dev.template.toJSON().Resources[fnIds["refresh-worker"] as string].Properties;
    expect(worker.Timeout).toBe(180);
    expect(jobs.Properties?.VisibilityTimeout).toBeGreaterThan(worker.Timeout);
    for (const [, queue] of queues) expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);

    // SSL enforced on both queues by a resource policy denying non-TLS requests.
    const sslDenied = resourcesOfType(dev.template, "AWS::SQS::QueuePolicy").flatMap(([, p]) => {
      const statements = (p.Properties?.PolicyDocument.Statement ?? []) as CfnResource[];
      return statements
        .filter((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false")
        .flatMap(() => p.Properties?.Queues as unknown[]);
    });
    expect(sslDenied).toEqual(expect.arrayContaining([ref(jobsId), ref(dlqId)]));

    const dispatcher = dev.template.toJSON().Resources[fnIds["refresh-dispatcher"] as string].Properties;
    expect(dispatcher.Environment.Variables.REFRESH_QUEUE_URL).toEqual(ref(jobsId));
    expect(worker.Environment.Variables.REFRESH_QUEUE_URL).toEqual(ref(jobsId));
    expect(worker.MemorySize).toBe(512);
  });

  it("feeds the worker from the queue with partial batch failures reported", () => {
    const mappings = resourcesOfType(dev.template, "AWS::Lambda::EventSourceMapping").filter(
      ([, m]) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify(ref(fnIds["refresh-worker"] as string)),
    );
    expect(mappings).toHaveLength(1);
    const jobsId = refreshQueues().find(([, q]) => q.Properties?.RedrivePolicy)?.[0];
    expect(mappings[0]?.[1].Properties).toMatchObject({
      FunctionName: ref(fnIds["refresh-worker"] as string),
      EventSourceArn: arnOf(jobsId as string),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });
});

describe("alarms", () => {
  it("cover API 5XX, every function's errors and throttles, the DLQs and each table, all notifying SNS", () => {
    const expected = [
      "api-5xx",
      ...Object.keys(FUNCTION_PATHS).flatMap((fn) => [`${fn}-errors`, `${fn}-throttles`]),
      "refresh-dlq",
      "deletion-dlq",
      "erasure-dlq",
      "webhook-dispatch-dlq",
      "webhook-delivery-dlq",
      ...["entities", "activity", "reports"].flatMap((t) => [`${t}-table-throttles`, `${t}-table-system-errors`]),
      "dynamodb-user-errors",
    ].map((name) => `engagement-insights-dev-${name}`);
    const alarms = resourcesOfType(dev.template, "AWS::CloudWatch::Alarm");
    expect(alarms).toHaveLength(expected.length);
    expect(alarms.map(([, a]) => a.Properties?.AlarmName).sort()).toEqual(expected.sort());
    const topics = resourcesOfType(dev.template, "AWS::SNS::Topic");
    expect(topics).toHaveLength(1);
    for (const [, alarm] of alarms) expect(alarm.Properties?.AlarmActions).toEqual([ref(topics[0]?.[0] as string)]);
  });

  it("raise the DLQ alarm as soon as one message is visible", () => {
    const dlqId = refreshQueues().find(([, q]) => !q.Properties?.RedrivePolicy)?.[0];
    dev.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "engagement-insights-dev-refresh-dlq",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlqId, "QueueName"] } }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
    });
  });
});

describe("deletion alarm", () => {
  it("raises the deletion DLQ alarm as soon as one deletion job is dead-lettered", () => {
    const deletionQueues = resourcesOfType(dev.template, "AWS::SQS::Queue").filter(([, q]) =>
      String(q.Metadata?.["aws:cdk:path"]).includes("/Deletion/"),
    );
    expect(deletionQueues).toHaveLength(2);
    const dlqId = deletionQueues.find(([, q]) => !q.Properties?.RedrivePolicy)?.[0] as string;
    const jobs = deletionQueues.find(([, q]) => q.Properties?.RedrivePolicy)?.[1];
    expect(jobs?.Properties?.RedrivePolicy.deadLetterTargetArn).toEqual(arnOf(dlqId));
    dev.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmName: "engagement-insights-dev-deletion-dlq",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlqId, "QueueName"] } }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
      Statistic: "Maximum",
    });
  });
});

describe("IAM", () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
  const asList = <T>(value: T | T[]) => (Array.isArray(value) ? value : [value]);

  function allStatements(): Statement[] {
    const resources = Object.values(dev.template.toJSON().Resources as Record<string, CfnResource>);
    return resources
      .filter((r) => !isDashboardUpload(r))
      .flatMap((r) => {
        const documents = [
          r.Properties?.PolicyDocument,
          ...asList(r.Properties?.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument),
        ].filter(Boolean) as { Statement: Statement[] }[];
        return documents.flatMap((d) => d.Statement);
      });
  }

  /** Allowed statements of a function's execution role. */
  function statementsOf(fnId: string): Statement[] {
    const resources = dev.template.toJSON().Resources as Record<string, CfnResource>;
    const roleId = resources[fnId]?.Properties?.Role["Fn::GetAtt"][0];
    expect(resources[roleId]?.Properties?.ManagedPolicyArns, `${fnId} has no managed policies`).toBeUndefined();
    return Object.values(resources)
      .filter(
        (r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties?.Roles) === JSON.stringify([ref(roleId)]),
      )
      .flatMap((p) => p.Properties?.PolicyDocument.Statement as Statement[]);
  }

  const actionsOn = (statements: Statement[], resourceId: string) =>
    statements
      .filter((s) => s.Effect === "Allow" && JSON.stringify(s.Resource).includes(`"${resourceId}"`))
      .flatMap((s) => asList(s.Action));

  const WRITES = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
  ];

  it("allows no wildcard action anywhere", () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements.filter((s) => s.Effect === "Allow")) {
      for (const action of asList(statement.Action)) {
        expect(action).not.toBe("*");
        expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
        expect(action).not.toMatch(/\*/);
      }
    }
  });

  it("allows a DynamoDB Scan only to the offline deletion worker (every request path reads by GetItem or Query)", () => {
    const scanners = Object.entries(fnIds)
      .filter(([, id]) => statementsOf(id).some((s) => asList(s.Action).includes("dynamodb:Scan")))
      .map(([name]) => name);
    expect(scanners).toEqual(["deletion-worker"]);
  });

  it("gives the read families and the dispatcher read access only", () => {
    for (const name of ["dashboard", "users", "insights", "refresh-dispatcher"]) {
      const statements = statementsOf(fnIds[name] as string);
      const dynamo = statements.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith("dynamodb:"));
      expect(dynamo.length, name).toBeGreaterThan(0);
      for (const action of WRITES) expect(dynamo, `${name} must not ${action}`).not.toContain(action);
      expect(actionsOn(statements, tableId("Entities")), name).toContain("dynamodb:Query");
    }
    expect(actionsOn(statementsOf(fnIds.insights as string), tableId("Reports"))).toContain("dynamodb:Query");
    expect(actionsOn(statementsOf(fnIds.dashboard as string), tableId("Reports"))).toEqual([]);
    expect(actionsOn(statementsOf(fnIds.users as string), tableId("Activity"))).toEqual([]);
  });

  it("lets ingest read and write entities and activity, and nothing on reports", () => {
    const statements = statementsOf(fnIds.ingest as string);
    for (const table of ["Entities", "Activity"]) {
      expect(actionsOn(statements, tableId(table))).toEqual(
        expect.arrayContaining(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"]),
      );
    }
    expect(actionsOn(statements, tableId("Reports"))).toEqual([]);
  });

  it("lets the worker write snapshots and the current pointer but only read activity", () => {
    const statements = statementsOf(fnIds["refresh-worker"] as string);
    expect(actionsOn(statements, tableId("Reports"))).toEqual(
      expect.arrayContaining([
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:BatchWriteItem",
      ]),
    );
    expect(actionsOn(statements, tableId("Entities"))).toEqual(
      expect.arrayContaining(["dynamodb:Query", "dynamodb:PutItem"]),
    );
    const activity = actionsOn(statements, tableId("Activity"));
    expect(activity).toContain("dynamodb:Query");
    for (const action of WRITES) expect(activity).not.toContain(action);
  });

  it("lets only the dispatcher send refresh jobs, the workers their parts and continuations, ingest erasure jobs, the webhook dispatcher deliveries", () => {
    const senders = Object.entries(fnIds)
      .filter(([, id]) => statementsOf(id).some((s) => asList(s.Action).includes("sqs:SendMessage")))
      .map(([name]) => name);
    expect(senders.sort()).toEqual([
      "deletion-worker",
      "erasure-worker",
      "ingest",
      "refresh-dispatcher",
      "refresh-worker",
      "webhook-dispatcher",
    ]);
  });
});

describe("outputs", () => {
  it("publish the API URL, the table names and the queue URL", () => {
    const outputs = dev.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiUrl?.Value).toBeDefined();
    expect(outputs.EntitiesTableName?.Value).toEqual(ref(tableId("Entities")));
    expect(outputs.ActivityTableName?.Value).toEqual(ref(tableId("Activity")));
    expect(outputs.ReportsTableName?.Value).toEqual(ref(tableId("Reports")));
    expect(outputs.TablePrefix?.Value).toBe("engagement-insights-dev-");
    const jobsId = refreshQueues().find(([, q]) => q.Properties?.RedrivePolicy)?.[0];
    expect(outputs.RefreshQueueUrl?.Value).toEqual(ref(jobsId as string));
    // What `npm run admin -- refresh` queues its snapshot's webhook dispatch on (WEBHOOK_DISPATCH_QUEUE_URL).
    const dispatch = outputs.WebhookDispatchQueueUrl?.Value as { Ref?: string } | undefined;
    expect(dispatch?.Ref).toMatch(/DispatchQueue/);
  });
});
