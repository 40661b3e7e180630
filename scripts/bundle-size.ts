/**
 * Prints the minified size of every Lambda bundle, built exactly as the CDK stack builds it (infra/bundling.ts):
 * `npm run bundle-size`. Bundles go to a temporary directory that is removed afterwards. Then the dashboard's
 * first-view JavaScript (web/dist, built when stale) against its budget; over budget exits non-zero.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { BUNDLE_FILE, esbuildOptions, type LambdaName, lambdaEntries } from "../infra/bundling.js";
import { DEFAULTS } from "../infra/config.js";
import { PROJECT_ROOT } from "../infra/paths.js";
import { ensureWebBuild, WEB_DIST } from "../infra/webBuild.js";
import { FIRST_VIEW_BUDGET_BYTES, firstViewSize } from "./lib/webBundleSize.js";

const outDir = mkdtempSync(join(tmpdir(), "bundle-size-"));
try {
  const names = Object.keys(lambdaEntries) as LambdaName[];
  const sizes = await Promise.all(
    names.map(async (name) => {
      const outfile = join(outDir, name, BUNDLE_FILE);
      await build(esbuildOptions(join(PROJECT_ROOT, lambdaEntries[name]), outfile, DEFAULTS.lambdaRuntime));
      return { name, bytes: statSync(outfile).size };
    }),
  );
  const width = Math.max(...names.map((n) => n.length));
  for (const { name, bytes } of sizes) {
    console.log(
      `${name.padEnd(width)}  ${String(bytes).padStart(9)} bytes  ${(bytes / 1024).toFixed(1).padStart(8)} KiB`,
    );
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

ensureWebBuild();
const web = firstViewSize(WEB_DIST);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log("\ndashboard first view (web/dist, gzipped JavaScript):");
for (const file of web.files)
  console.log(`  ${file.path}  ${kib(file.bytes)} minified, ${kib(file.gzipBytes)} gzipped`);
console.log(`  total ${kib(web.gzipBytes)} gzipped of a ${kib(FIRST_VIEW_BUDGET_BYTES)} budget`);
if (web.gzipBytes > FIRST_VIEW_BUDGET_BYTES) {
  console.error("The dashboard's first view is over its budget.");
  process.exitCode = 1;
}
