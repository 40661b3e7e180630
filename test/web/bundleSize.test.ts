import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ensureWebBuild, WEB_DIST } from "../../infra/webBuild.js";
import { FIRST_VIEW_BUDGET_BYTES, firstViewSize } from "../../scripts/lib/webBundleSize.js";

describe("dashboard bundle budget", () => {
  it("counts the entry script and module preloads of index.html, not lazy chunks", () => {
    const dir = mkdtempSync(join(tmpdir(), "dist-"));
    mkdirSync(join(dir, "assets"));
    const entry = "console.log('entry');".repeat(50);
    const preload = "export const x = 1;".repeat(20);
    writeFileSync(join(dir, "assets", "index-a.js"), entry);
    writeFileSync(join(dir, "assets", "vendor-b.js"), preload);
    writeFileSync(join(dir, "assets", "lazy-c.js"), "x".repeat(100_000));
    writeFileSync(
      join(dir, "index.html"),
      '<script type="module" crossorigin src="./assets/index-a.js"></script><link rel="modulepreload" crossorigin href="./assets/vendor-b.js">',
    );
    const size = firstViewSize(dir);
    expect(size.files.map((f) => f.path)).toEqual(["assets/index-a.js", "assets/vendor-b.js"]);
    expect(size.gzipBytes).toBe(gzipSync(entry).length + gzipSync(preload).length);
  });

  it("keeps the built dashboard's first view within 150 KB gzipped", () => {
    ensureWebBuild();
    const size = firstViewSize(WEB_DIST);
    expect(size.files.length).toBeGreaterThan(0);
    expect(size.gzipBytes).toBeLessThanOrEqual(FIRST_VIEW_BUDGET_BYTES);
  });
});
