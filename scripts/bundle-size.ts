/**
 * Prints the minified size of every Lambda bundle, built exactly as the CDK stack builds it (infra/bundling.ts):
 * `npm run bundle-size`. Bundles go to a temporary directory that is removed afterwards.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { BUNDLE_FILE, esbuildOptions, type LambdaName, lambdaEntries } from "../infra/bundling.js";
import { DEFAULTS } from "../infra/config.js";
import { PROJECT_ROOT } from "../infra/paths.js";

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
