import { execFileSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "./paths.js";

/**
 * The dashboard's static build (web/ → web/dist), made when stale by whoever needs it: `npm start` serves it and
 * `cdk synth` uploads it. Stale = some source (web/src, web/public, web/index.html, the Vite config, sdk/src, the
 * lock file) is newer than web/dist/index.html, which Vite writes last. Builds take a lock file, because test files
 * that synthesize the stack run in parallel processes and must not write web/dist at once.
 */
export const WEB_DIR = join(PROJECT_ROOT, "web");
export const WEB_DIST = join(WEB_DIR, "dist");
const VITE_CONFIG = join(WEB_DIR, "vite.config.ts");
const LOCK = join(WEB_DIR, ".build.lock");
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 120_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function webBuildIsStale(): boolean {
  const built = join(WEB_DIST, "index.html");
  if (!existsSync(built)) return true;
  const sources = [
    join(WEB_DIR, "src"),
    join(WEB_DIR, "public"),
    join(WEB_DIR, "index.html"),
    VITE_CONFIG,
    // The dashboard's API layer is the SDK's read client, bundled from its sources.
    join(PROJECT_ROOT, "sdk", "src"),
    join(PROJECT_ROOT, "package-lock.json"),
  ];
  return Math.max(...sources.map(newestMtime)) > statSync(built).mtimeMs;
}

/** Runs the same build as `npm run build:web`. */
export function buildWeb(): void {
  // Vite's package exports do not include its CLI file; its package.json is exported.
  const vite = join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");
  execFileSync(process.execPath, [vite, "build", "--config", VITE_CONFIG], { cwd: PROJECT_ROOT, stdio: "inherit" });
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds web/dist if stale; returns whether it built. Synchronous: the CDK constructs are. */
export function ensureWebBuild(): boolean {
  if (!webBuildIsStale()) return false;
  for (;;) {
    try {
      closeSync(openSync(LOCK, "wx"));
      break;
    } catch {
      let age: number;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_LOCK_MS) rmSync(LOCK, { force: true });
      else sleep(200);
    }
  }
  try {
    // Another process may have built it while this one waited.
    if (!webBuildIsStale()) return false;
    buildWeb();
    return true;
  } finally {
    rmSync(LOCK, { force: true });
  }
}
