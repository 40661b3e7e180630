import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";
import { WEB_SECURITY_HEADERS } from "../../infra/webHeaders.js";

/**
 * The local server's static side: the built dashboard (web/dist) at `/`, as S3 + CloudFront serve it in AWS, with
 * the same security headers. `/config.json` is the one dynamic file: under `npm start` it carries the demo
 * credentials the sign-in and engagement forms prefill; the built file (served everywhere else) is `{}`.
 */
export interface WebRoot {
  /** The directory of the built app (web/dist). */
  dir: string;
  /** Served as `/config.json` instead of the built one. */
  config?: unknown;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** Serves `path` from the web root if it names a file there; false otherwise (the caller answers 404). */
export async function serveWebFile(
  web: WebRoot,
  method: string,
  path: string,
  res: ServerResponse,
  requestId: string,
): Promise<boolean> {
  if (method !== "GET" && method !== "HEAD") return false;
  let relative: string;
  try {
    relative = decodeURIComponent(path);
  } catch {
    return false;
  }
  if (relative === "/") relative = "/index.html";
  const headers = { ...WEB_SECURITY_HEADERS, "x-request-id": requestId };
  if (relative === "/config.json" && web.config !== undefined) {
    res.writeHead(200, { ...headers, "content-type": TYPES[".json"], "cache-control": "no-store" });
    res.end(method === "HEAD" ? undefined : JSON.stringify(web.config));
    return true;
  }
  const root = resolve(web.dir);
  const file = resolve(root, `.${relative}`);
  if (!file.startsWith(root + sep)) return false;
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) return false;
  res.writeHead(200, {
    ...headers,
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": found.size,
    // Vite names assets by content hash; everything else (index.html, config.json) must be re-checked.
    "cache-control": relative.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
  });
  if (method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
  return true;
}
