import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The dashboard's budget: gzipped JavaScript the first view loads (CONTRACT-less; issue 12). */
export const FIRST_VIEW_BUDGET_BYTES = 150 * 1024;

export interface FirstViewSize {
  /** Each script index.html loads (entry and module preloads), relative to the dist directory. */
  files: { path: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
}

/**
 * The JavaScript the first view needs: what index.html references as a module script or a modulepreload. Chunks
 * loaded later (dynamic imports) are not in it. gzip at the default level, as CloudFront's compression is close to it.
 */
export function firstViewSize(distDir: string): FirstViewSize {
  const html = readFileSync(join(distDir, "index.html"), "utf8");
  const references = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => (m[1] as string).replace(/^\.?\//, ""));
  const files = [...new Set(references)].map((path) => {
    const content = readFileSync(join(distDir, path));
    return { path, bytes: content.length, gzipBytes: gzipSync(content).length };
  });
  return { files, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}
