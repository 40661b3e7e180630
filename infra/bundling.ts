import type { BuildOptions } from "esbuild";

/**
 * The one description of how a Lambda entry is bundled: infra/functions.ts turns it into NodejsFunction bundling
 * options, scripts/bundle-size.ts into esbuild options, so the measured bundle is the deployed one.
 *
 * ESM output (the source is ESM and uses import.meta.url); the banner gives CommonJS dependencies bundled into it
 * the `require`, `__filename` and `__dirname` they expect. The names are long so esbuild's minified identifiers
 * cannot collide with them (esbuild does not read the banner).
 */
export const lambdaBundle = {
  platform: "node",
  format: "esm",
  minify: true,
  sourcemap: true,
  // Prefer the ESM builds of dependencies (better tree shaking), as Lambda runs the bundle as ESM.
  mainFields: ["module", "main"],
  // Everything, the AWS SDK included, is bundled: the deployed code runs the versions the tests ran.
  external: [] as string[],
  logLevel: "warning",
  banner:
    "import { createRequire as __bannerCreateRequire } from 'node:module';" +
    "import { fileURLToPath as __bannerFileURLToPath } from 'node:url';" +
    "import { dirname as __bannerDirname } from 'node:path';" +
    "const require = __bannerCreateRequire(import.meta.url);" +
    "const __filename = __bannerFileURLToPath(import.meta.url);" +
    "const __dirname = __bannerDirname(__filename);",
} as const;

/**
 * esbuild's target for a Lambda runtime (`nodejs24.x` → `node24`): the bundle keeps every syntax that runtime has
 * rather than lowering it for an older Node. The source itself stays runnable on local Node 20+ (tsx, tests).
 */
export function esbuildTarget(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`not a Node.js Lambda runtime: ${runtime}`);
  return `node${major}`;
}

/** The Lambda handler file name NodejsFunction writes for ESM output. */
export const BUNDLE_FILE = "index.mjs";

/** esbuild options for one entry, identical to what NodejsFunction runs for `runtime` (see functions.ts). */
export function esbuildOptions(entry: string, outfile: string, runtime: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    target: esbuildTarget(runtime),
    platform: lambdaBundle.platform,
    format: lambdaBundle.format,
    minify: lambdaBundle.minify,
    sourcemap: lambdaBundle.sourcemap,
    mainFields: [...lambdaBundle.mainFields],
    external: [...lambdaBundle.external],
    banner: { js: lambdaBundle.banner },
    logLevel: lambdaBundle.logLevel,
  };
}

/** Every Lambda of the service and its entry file (relative to the project root); each exports `handler`. */
export const lambdaEntries = {
  ingest: "functions/ingest.ts",
  dashboard: "functions/dashboard.ts",
  users: "functions/users.ts",
  insights: "functions/insights.ts",
  docs: "functions/docs.ts",
  refreshDispatcher: "functions/refreshDispatcher.ts",
  refreshWorker: "functions/refreshWorker.ts",
  authorizer: "functions/authorizer.ts",
  deletionWorker: "functions/deletionWorker.ts",
  erasureWorker: "functions/erasureWorker.ts",
  webhookDispatcher: "functions/webhookDispatcher.ts",
  webhookDelivery: "functions/webhookDelivery.ts",
} as const;

export type LambdaName = keyof typeof lambdaEntries;
