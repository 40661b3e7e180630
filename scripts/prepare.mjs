/**
 * `npm install` / `npm ci` at the root builds the SDK workspace (sdk/dist), so that `@engagement-insights/sdk`
 * resolves in the repo as it does for a project that installed the package. TypeScript, which builds it, is a
 * devDependency: an install without them (`--omit=dev`, a deployment) or a `--dry-run` (which runs this script
 * with nothing installed) skips the build with a line saying so, instead of failing the whole install.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

try {
  createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.log("prepare: TypeScript is not installed (dev dependencies omitted?): sdk/dist not built");
  process.exit(0);
}
execFileSync("npm", ["run", "build", "--workspace", "@engagement-insights/sdk"], { stdio: "inherit" });
