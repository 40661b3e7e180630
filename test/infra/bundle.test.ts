import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FILE, esbuildOptions, esbuildTarget, type LambdaName, lambdaEntries } from "../../infra/bundling.js";
import { DEFAULTS } from "../../infra/config.js";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { SCALAR_BUNDLE_FILE, scalarBundlePath } from "../../lib/openapi/docsRoutes.js";
import { type Family, familyPrefixes } from "../../lib/routes.js";

const run = promisify(execFile);
const outDir = mkdtempSync(join(tmpdir(), "lambda-bundles-"));
const bundlePath = (name: LambdaName) => join(outDir, name, BUNDLE_FILE);
const streamingShimPath = join(outDir, "lambda-streaming.mjs");

/**
 * Loads a bundle in a fresh Node process, as Lambda does (ESM, no tsx, no node_modules next to it), and optionally
 * invokes its handler with an API Gateway proxy event.
 */
interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

async function load(name: LambdaName, event?: unknown): Promise<{ exportsHandler: boolean; response: ProxyResult }> {
  // Lambda's runtime gives a handler the awslambda globals before loading it, and calls a streaming one (the
  // dashboard's) with a response stream: the local shim stands in for both, as in the local server.
  const script = `
    const lambda = await import(${JSON.stringify(pathToFileURL(streamingShimPath).href)});
    lambda.installLambdaGlobals();
    const mod = await import(${JSON.stringify(pathToFileURL(bundlePath(name)).href)});
    const event = ${JSON.stringify(event ?? null)};
    const context = { awsRequestId: "lambda-request" };
    const invoke = async () => {
      if (!lambda.isStreamingHandler(mod.handler)) return mod.handler(event, context);
      const { body, ...head } = await lambda.collectStreamingResponse(mod.handler, event, context);
      return { ...head, body: body.toString("utf8") };
    };
    const response = event ? await invoke() : undefined;
    process.stdout.write("\\n" + JSON.stringify({ exportsHandler: typeof mod.handler === "function", response }));
  `;
  const { stdout } = await run(process.execPath, ["--enable-source-maps", "--input-type=module", "-e", script], {
    cwd: outDir,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      AWS_REGION: "us-east-1",
      ENTITIES_TABLE: "e",
      ACTIVITY_TABLE: "a",
      REPORTS_TABLE: "r",
    },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string);
}

function proxyEvent(resource: string, path: string, httpMethod = "GET") {
  return {
    resource,
    path,
    httpMethod,
    headers: {},
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: "gateway-request" },
  };
}

beforeAll(async () => {
  await Promise.all([
    ...(Object.keys(lambdaEntries) as LambdaName[]).map((name) =>
      build(esbuildOptions(join(PROJECT_ROOT, lambdaEntries[name]), bundlePath(name), DEFAULTS.lambdaRuntime)),
    ),
    build(
      esbuildOptions(join(PROJECT_ROOT, "scripts/lib/lambdaStreaming.ts"), streamingShimPath, DEFAULTS.lambdaRuntime),
    ),
  ]);
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("Lambda bundles (the infra/bundling.ts options)", () => {
  it("target the Node.js of the Lambda runtime (node24 by default), and load on this machine's Node 20+", () => {
    expect(esbuildTarget(DEFAULTS.lambdaRuntime)).toBe("node24");
    expect(esbuildTarget("nodejs22.x")).toBe("node22");
    expect(() => esbuildTarget("python3.12")).toThrow(/not a Node.js Lambda runtime/);
    expect(esbuildOptions("in.ts", "out.mjs", "nodejs24.x").target).toBe("node24");
    // The bundles below were built for node24 and are loaded by the Node running the tests.
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(20);
  });

  it("are self-contained ESM files exporting handler", async () => {
    for (const name of Object.keys(lambdaEntries) as LambdaName[]) {
      expect(statSync(bundlePath(name)).size).toBeGreaterThan(0);
      expect(statSync(`${bundlePath(name)}.map`).size).toBeGreaterThan(0);
    }
    const loaded = await Promise.all((Object.keys(lambdaEntries) as LambdaName[]).map((name) => load(name)));
    expect(loaded.map((l) => l.exportsHandler)).toEqual(loaded.map(() => true));
  });

  it("answer an unknown path under each family prefix with the family's 404 and the request id", async () => {
    await Promise.all(
      familyPrefixes.map(async ({ family, prefix }) => {
        const { response } = await load(family, proxyEvent(`${prefix}/{proxy+}`, `${prefix}/no-such-route`));
        expect(response.statusCode, family).toBe(404);
        expect(JSON.parse(response.body), family).toEqual(familyErrors[family as Family].notFound);
        expect(response.headers["x-request-id"]).toBe("gateway-request");
      }),
    );
  });

  it("answer a wrong method on the ingestion route with ingest's 405", async () => {
    const resource = "/api/backend/v1/events";
    const { response } = await load("ingest", proxyEvent(resource, resource, "GET"));
    expect(response.statusCode).toBe(405);
    expect(JSON.parse(response.body)).toEqual(familyErrors.ingest.methodNotAllowed);
  });
});

describe("the docs Lambda bundle", () => {
  it("serves the document and, with Scalar's bundle copied next to it (the deploy's afterBundling), the script", async () => {
    copyFileSync(scalarBundlePath(), join(outDir, "docs", SCALAR_BUNDLE_FILE));
    const document = await load("docs", proxyEvent("/openapi.json", "/openapi.json"));
    expect(document.response.statusCode).toBe(200);
    expect(JSON.parse(document.response.body).openapi).toBe("3.1.0");
    const script = await load("docs", proxyEvent("/docs/api-reference.js", "/docs/api-reference.js"));
    expect(script.response.statusCode).toBe(200);
    expect(script.response.body).toContain("createApiReference");
  });
});
