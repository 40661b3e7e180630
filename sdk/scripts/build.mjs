/**
 * Builds the package's two entry points with tsc alone: ESM in dist/esm (the source's own module format) and
 * CommonJS in dist/cjs, each with its declarations. dist/cjs/package.json says `"type": "commonjs"`, so Node reads
 * its .js files (and TypeScript its .d.ts files) as CommonJS although the package itself is `"type": "module"`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const sdk = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(join(sdk, "package.json")).resolve("typescript/bin/tsc");
const build = (project) => execFileSync(process.execPath, [tsc, "-p", join(sdk, project)], { stdio: "inherit" });

rmSync(join(sdk, "dist"), { recursive: true, force: true });
build("tsconfig.json");
build("tsconfig.cjs.json");
mkdirSync(join(sdk, "dist/cjs"), { recursive: true });
writeFileSync(join(sdk, "dist/cjs/package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
