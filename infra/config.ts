import type { Node } from "constructs";
import { parseAllowedOrigins } from "../lib/http/cors.js";
import { DEFAULT_TENANT_LIMITS } from "../lib/limits/limits.js";

/**
 * Deployment settings, read from CDK context (cdk.json defaults, overridden with `-c key=value`).
 * Every value is validated here so a typo fails the synth instead of producing a broken stack.
 */
export interface InfraConfig {
  /** `dev` tables are destroyed with the stack; every other stage keeps them (deletion protection + RETAIN). */
  stage: string;
  /** Table names are `${tablePrefix}entities|activity|reports`, the same rule as TABLE_PREFIX in the admin CLI. */
  tablePrefix: string;
  /** Minutes between report refreshes (CONTRACT §7). */
  refreshRate: number;
  /** API Gateway stage throttling (requests per second, steady and burst). */
  apiThrottleRate: number;
  apiThrottleBurst: number;
  /** Default per-tenant limits: the usage plan (tier) every environment starts in (`environment set-limits`). */
  tenantRateLimit: number;
  tenantBurstLimit: number;
  /** The shared plan of requests without a valid credential (answered 401 by the handlers). */
  anonymousRateLimit: number;
  anonymousBurstLimit: number;
  /** Seconds API Gateway caches an authorizer result (1-3600): the longest a revoked key keeps its tenant's plan. */
  authorizerCacheTtl: number;
  /** Where alarm notifications go, if anywhere (an SNS e-mail subscription). */
  alarmEmail: string | undefined;
  /** Lambda runtime of every function (default nodejs24.x; see DEPLOY.md); the bundles are built for it. */
  lambdaRuntime: string;
  /**
   * Origins whose pages may call the API from a browser (CORS, lib/http/cors.ts): `-c allowedOrigins=https://a.example,
   * https://b.example` (or a JSON array in cdk.json). Default none: same-origin only.
   */
  allowedOrigins: string[];
  /** Whether data must survive the stack (everything but `dev`). */
  retainData: boolean;
}

export const DEFAULTS = {
  stage: "dev",
  refreshRate: 60,
  apiThrottleRate: 100,
  apiThrottleBurst: 200,
  tenantRateLimit: DEFAULT_TENANT_LIMITS.rate,
  tenantBurstLimit: DEFAULT_TENANT_LIMITS.burst,
  anonymousRateLimit: 10,
  anonymousBurstLimit: 20,
  authorizerCacheTtl: 300,
  lambdaRuntime: "nodejs24.x",
} as const;

/**
 * Node.js runtimes a function can be created and updated on (ESM bundles, esbuild target from the runtime: see
 * infra/bundling.ts). nodejs20.x is gone: Lambda deprecated it on 2026-04-30 and stopped creating (2026-06-01) and
 * updating (2026-07-01) functions on it, which cfn-lint reports as E2533 (test/infra/cfnLint.test.ts).
 */
export const SUPPORTED_RUNTIMES = ["nodejs22.x", "nodejs24.x"];

/** Replaced by the stage in `tablePrefix` (a literal `${stage}`, not a JavaScript template). */
const STAGE_PLACEHOLDER = ["$", "{stage}"].join("");
export const DEFAULT_TABLE_PREFIX = `engagement-insights-${STAGE_PLACEHOLDER}-`;

function positiveInteger(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = typeof raw === "number" ? raw : Number(String(raw));
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`CDK context "${name}" must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function text(raw: unknown): string | undefined {
  return raw === undefined || raw === null || raw === "" ? undefined : String(raw);
}

function tenantLimits(node: Node) {
  const read = (name: keyof typeof DEFAULTS) =>
    positiveInteger(name, node.tryGetContext(name), DEFAULTS[name] as number);
  const authorizerCacheTtl = read("authorizerCacheTtl");
  if (authorizerCacheTtl > 3600) {
    throw new Error(`CDK context "authorizerCacheTtl" must be at most 3600 seconds, got ${authorizerCacheTtl}`);
  }
  return {
    tenantRateLimit: read("tenantRateLimit"),
    tenantBurstLimit: read("tenantBurstLimit"),
    anonymousRateLimit: read("anonymousRateLimit"),
    anonymousBurstLimit: read("anonymousBurstLimit"),
    authorizerCacheTtl,
  };
}

function allowedOrigins(raw: unknown): string[] {
  try {
    return parseAllowedOrigins(Array.isArray(raw) ? raw.join(",") : text(raw));
  } catch (error) {
    throw new Error(`CDK context "allowedOrigins": ${(error as Error).message}`);
  }
}

export function readConfig(node: Node): InfraConfig {
  const stage = text(node.tryGetContext("stage")) ?? DEFAULTS.stage;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`CDK context "stage" must be lower-case letters, digits and dashes (≤ 20), got "${stage}"`);
  }
  // cdk.json holds the literal `engagement-insights-{stage}-` placeholder so the default follows `-c stage=...`.
  const tablePrefix = (text(node.tryGetContext("tablePrefix")) ?? DEFAULT_TABLE_PREFIX).replaceAll(
    STAGE_PLACEHOLDER,
    stage,
  );
  if (!/^[A-Za-z0-9_.-]{0,200}$/.test(tablePrefix)) {
    throw new Error(`CDK context "tablePrefix" may only hold letters, digits, "_", "." and "-", got "${tablePrefix}"`);
  }
  const lambdaRuntime = text(node.tryGetContext("lambdaRuntime")) ?? DEFAULTS.lambdaRuntime;
  if (!SUPPORTED_RUNTIMES.includes(lambdaRuntime)) {
    throw new Error(
      `CDK context "lambdaRuntime" must be one of ${SUPPORTED_RUNTIMES.join(", ")}, got "${lambdaRuntime}"`,
    );
  }
  return {
    stage,
    tablePrefix,
    refreshRate: positiveInteger("refreshRate", node.tryGetContext("refreshRate"), DEFAULTS.refreshRate),
    apiThrottleRate: positiveInteger(
      "apiThrottleRate",
      node.tryGetContext("apiThrottleRate"),
      DEFAULTS.apiThrottleRate,
    ),
    apiThrottleBurst: positiveInteger(
      "apiThrottleBurst",
      node.tryGetContext("apiThrottleBurst"),
      DEFAULTS.apiThrottleBurst,
    ),
    ...tenantLimits(node),
    alarmEmail: text(node.tryGetContext("alarmEmail")),
    lambdaRuntime,
    allowedOrigins: allowedOrigins(node.tryGetContext("allowedOrigins")),
    retainData: stage !== "dev",
  };
}
