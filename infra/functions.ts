import { join } from "node:path";
import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, type Runtime } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { HTTP_FUNCTION_TIMEOUT_SECONDS, STREAMING_FUNCTION_TIMEOUT_SECONDS } from "../lib/http/deadline.js";
import { SCALAR_BUNDLE_FILE, scalarBundlePath as scalarBundleSource } from "../lib/openapi/docsRoutes.js";
import type { Family } from "../lib/routes.js";
import { esbuildTarget, type LambdaName, lambdaBundle, lambdaEntries } from "./bundling.js";
import { PROJECT_ROOT } from "./paths.js";
import { grantRead, grantReadWrite, type Tables } from "./tables.js";

export const SERVICE_NAME = "engagement-insights";

/** API Gateway gives up after 29 s; a handler that is still running then only wastes money. */
const HTTP_TIMEOUT = Duration.seconds(HTTP_FUNCTION_TIMEOUT_SECONDS);

/**
 * Families whose Lambda streams its answer (functions/shared/streamingHttpHandler.ts): API Gateway invokes them with
 * response streaming (`STREAM`, infra/api.ts), where its 29 s limit does not apply: the dashboard's big answers,
 * and the insights family's CSV downloads of whole reports (CONTRACT §12).
 */
export const STREAMING_FAMILIES: readonly Family[] = ["dashboard", "insights"];

/**
 * A streaming family's function timeout, and its integration's: the largest answer the dashboard allows (4M UUID
 * user-days, ~156 MB of JSON uncompressed) leaves Lambda at 2 MB/s after its first 6 MB, ≈ 75 s, after reads of
 * ≈ 20 s; 3 minutes covers both with room, well under the 15 minutes API Gateway streams for.
 */
export const STREAMING_HTTP_TIMEOUT = Duration.seconds(STREAMING_FUNCTION_TIMEOUT_SECONDS);

export interface ServiceFunctionProps {
  name: LambdaName;
  runtime: Runtime;
  tables: Tables;
  timeout: Duration;
  memorySize: number;
  description: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  environment?: Record<string, string>;
  /** Files copied next to the bundle (absolute source → file name), e.g. a browser script the handler serves. */
  assets?: Record<string, string>;
}

/**
 * A Lambda built from one entry in functions/: bundled locally by esbuild (no Docker) with the shared options of
 * bundling.ts, and told the table names through the environment (read by `tableNamesFromEnv()`).
 *
 * Its role starts empty: instead of the managed AWSLambdaBasicExecutionRole (create any log group, write to any),
 * it may only write to its own log group. Table and queue access is granted by the caller.
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of the ${props.name} Lambda`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: join(PROJECT_ROOT, lambdaEntries[props.name]),
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      runtime: props.runtime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      description: props.description,
      logGroup,
      role,
      environment: {
        ENTITIES_TABLE: props.tables.entities.tableName,
        ACTIVITY_TABLE: props.tables.activity.tableName,
        REPORTS_TABLE: props.tables.reports.tableName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        target: esbuildTarget(props.runtime.name),
        format: OutputFormat.ESM,
        minify: lambdaBundle.minify,
        sourceMap: lambdaBundle.sourcemap,
        mainFields: [...lambdaBundle.mainFields],
        externalModules: [...lambdaBundle.external],
        banner: lambdaBundle.banner,
        logLevel: LogLevel.WARNING,
        ...(props.assets && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_input: string, output: string) =>
              Object.entries(props.assets ?? {}).map(([source, name]) => `cp "${source}" "${join(output, name)}"`),
          },
        }),
      },
    });
  }
}

export interface HttpFunctionsProps {
  tables: Tables;
  /** The authorizer's usage identifier for requests without a valid credential (lib/limits/authorizer.ts). */
  anonymousUsageKey: string;
  /** Origins allowed to call the API from a browser (CORS): ALLOWED_ORIGINS of every family function. */
  allowedOrigins: readonly string[];
  runtime: Runtime;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * One Lambda per route family (lib/routes.ts), with exactly the table access the family needs:
 * ingestion writes entities and activity (and reads credentials from entities); the read families only read.
 */
export class HttpFunctions extends Construct {
  readonly byFamily: Record<Family, NodejsFunction>;
  readonly authorizer: NodejsFunction;

  constructor(scope: Construct, id: string, props: HttpFunctionsProps) {
    super(scope, id);
    const { tables } = props;
    const make = (name: Family, memorySize: number, description: string, assets?: Record<string, string>) =>
      new ServiceFunction(this, name, {
        assets,
        name,
        tables,
        runtime: props.runtime,
        memorySize,
        description,
        timeout: STREAMING_FAMILIES.includes(name) ? STREAMING_HTTP_TIMEOUT : HTTP_TIMEOUT,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        // Every answer carries the CORS headers for a listed origin (functions/shared, lib/http/cors.ts).
        ...(props.allowedOrigins.length > 0
          ? { environment: { ALLOWED_ORIGINS: props.allowedOrigins.join(",") } }
          : {}),
      });

    const ingest = make("ingest", 1024, "POST /api/backend/v1/events: validates and stores events");
    grantReadWrite(tables.entities, ingest);
    grantReadWrite(tables.activity, ingest);

    // User tokens live in entities, day sets and sign-up counters in activity.
    const dashboard = make("dashboard", 512, "Engagement dashboard API (CONTRACT §4)");
    grantRead(tables.entities, dashboard);
    grantRead(tables.activity, dashboard);

    const users = make("users", 512, "Users and usage-statistics API (CONTRACT §5)");
    // Users, credentials and the byLastActive index (usage statistics) are all in entities.
    grantRead(tables.entities, users);

    // Reports are served from snapshots (reports table), charts from activity counters.
    const insights = make("insights", 512, "User and org insights API (CONTRACT §6)");
    grantRead(tables.entities, insights);
    grantRead(tables.activity, insights);
    grantRead(tables.reports, insights);

    // Discovery reads no table: the document is built from the schemas, Scalar's bundle is copied next to it.
    const docs = make("docs", 256, "GET /openapi.json and /docs (CONTRACT §9)", {
      [scalarBundleSource()]: SCALAR_BUNDLE_FILE,
    });

    this.byFamily = { ingest, dashboard, users, insights, docs };

    // The API's authorizer: one GetItem of the presented credential per cache period (entities, read only).
    this.authorizer = new ServiceFunction(this, "authorizer", {
      name: "authorizer",
      tables,
      runtime: props.runtime,
      memorySize: 256,
      description: "API Gateway authorizer: names the request's tenant as the usage identifier",
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { ANONYMOUS_USAGE_KEY: props.anonymousUsageKey },
    });
    grantRead(tables.entities, this.authorizer);
  }
}
