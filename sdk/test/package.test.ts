import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/paths.js";
import { type LocalService, startLocalService } from "./localService.js";

/**
 * The SDK package: its types are the OpenAPI document's, it depends on nothing but the platform, and the tarball
 * `npm pack` makes (prepack builds it) installs offline into a fresh project, where it is used by name from an ESM
 * and a CommonJS script against the local server and type-checks from .mts and .cts files.
 */

const SDK = join(PROJECT_ROOT, "sdk");
const run = promisify(execFile);

describe("SDK package", () => {
  it("has types generated from the committed openapi.json (run `npm run generate` in sdk/ after `npm run openapi`)", async () => {
    const document = JSON.parse(readFileSync(join(PROJECT_ROOT, "openapi.json"), "utf8"));
    const expected = COMMENT_HEADER + astToString(await openapiTS(document));
    expect(readFileSync(join(SDK, "src/generated/openapi.ts"), "utf8")).toBe(expected);
  });

  it("has no runtime dependency and imports only its own modules", () => {
    const pkg = JSON.parse(readFileSync(join(SDK, "package.json"), "utf8"));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.type).toBe("module");
    expect(pkg.exports["."]).toEqual({
      import: { types: "./dist/esm/index.d.ts", default: "./dist/esm/index.js" },
      require: { types: "./dist/cjs/index.d.ts", default: "./dist/cjs/index.js" },
    });
    for (const file of readdirSync(join(SDK, "src")).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(SDK, "src", file), "utf8");
      for (const [, from] of source.matchAll(/from "([^"]+)"/g))
        expect(from, `${file} imports ${from}`).toMatch(/^\.\//);
    }
  });
});

describe("SDK workspace", () => {
  it("resolves by name inside the repo, as the README imports it (root npm install links and builds it)", async () => {
    const esm = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { EngagementInsights } from "@engagement-insights/sdk";
console.log(JSON.stringify(new EngagementInsights({ apiUrl: "http://127.0.0.1:9", apiKey: "k" }).totals));`,
      ],
      { cwd: PROJECT_ROOT },
    );
    expect(JSON.parse(esm.stdout)).toEqual({ accepted: 0, duplicates: 0, failed: 0 });
    const cjs = await run(
      process.execPath,
      ["-e", `console.log(typeof require("@engagement-insights/sdk").EngagementInsightsReader);`],
      { cwd: PROJECT_ROOT },
    );
    expect(cjs.stdout.trim()).toBe("function");
  });
});

describe("SDK tarball, installed in a fresh project", () => {
  let scratch: string;
  let service: LocalService;
  let files: string[];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "sdk-package-"));
    service = await startLocalService();
    const packed = await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: SDK });
    const [{ filename, files: listed }] = JSON.parse(packed.stdout) as [
      { filename: string; files: { path: string }[] },
    ];
    files = listed.map((f) => f.path);
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
    // Offline: the SDK has no dependency, so nothing is fetched.
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(scratch, filename)], { cwd: scratch });
  }, 180_000);
  afterAll(async () => {
    await service?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("carries the README, the license, types and both entry points, and no sources or tests", () => {
    for (const file of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/esm/index.js",
      "dist/esm/index.d.ts",
      "dist/cjs/index.js",
      "dist/cjs/index.d.ts",
      "dist/cjs/package.json",
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
    expect(readFileSync(join(scratch, "node_modules/@engagement-insights/sdk/LICENSE"), "utf8")).toMatch(
      /^MIT License/,
    );
  });

  it("works by name from an ESM script (import) and a CommonJS script (require)", async () => {
    writeFileSync(
      join(scratch, "ingest.mjs"),
      `import { EngagementInsights } from "@engagement-insights/sdk";
const client = new EngagementInsights({ apiUrl: process.argv[2], apiKey: process.argv[3] });
client.userCreated({ user_id: "from-esm", email: "esm@example.com" });
client.userActive({ user_id: "from-esm" });
console.log(JSON.stringify(await client.closeAndFlush()));
`,
    );
    writeFileSync(
      join(scratch, "read.cjs"),
      `const { EngagementInsightsReader, UnauthorizedError } = require("@engagement-insights/sdk");
const [apiUrl, apiKey, environmentId] = process.argv.slice(2);
(async () => {
  const count = await new EngagementInsightsReader({ apiUrl, apiKey, environmentId }).activeUsersCount();
  const refused = await new EngagementInsightsReader({ apiUrl, apiKey: "wrong", environmentId })
    .activeUsersCount()
    .catch((error) => error instanceof UnauthorizedError);
  console.log(JSON.stringify({ count, refused }));
})();
`,
    );
    const esm = await run(process.execPath, ["ingest.mjs", service.url, service.apiKey], { cwd: scratch });
    expect(JSON.parse(esm.stdout)).toEqual({ accepted: 2, duplicates: 0, failed: 0 });
    const cjs = await run(process.execPath, ["read.cjs", service.url, service.apiKey, service.environmentId], {
      cwd: scratch,
    });
    expect(JSON.parse(cjs.stdout)).toEqual({ count: 1, refused: true });
  });

  it("type-checks from .mts and .cts files (the types and require conditions)", async () => {
    writeFileSync(
      join(scratch, "use.mts"),
      `import { EngagementInsights, type IngestionTotals, TooManyRequestsError } from "@engagement-insights/sdk";
const client = new EngagementInsights({ apiUrl: "http://localhost", apiKey: "k" });
export const totals: Promise<IngestionTotals> = client.closeAndFlush({ timeout: 1 });
export const seconds = (e: TooManyRequestsError): number | undefined => e.retryAfter;
`,
    );
    writeFileSync(
      join(scratch, "use.cts"),
      `import sdk = require("@engagement-insights/sdk");
const reader = new sdk.EngagementInsightsReader({ apiUrl: "http://localhost" });
export const count: Promise<number> = reader.activeUsersCount({ days: 7 });
`,
    );
    // A wrong type must fail the check, or the check proves nothing.
    writeFileSync(
      join(scratch, "wrong.mts"),
      `import { EngagementInsights } from "@engagement-insights/sdk";\nexport const n: number = new EngagementInsights({ apiUrl: "x", apiKey: "k" }).totals;\n`,
    );
    const tsc = join(PROJECT_ROOT, "node_modules/typescript/bin/tsc");
    const check = (name: string, files: string[]) => {
      const compilerOptions = {
        noEmit: true,
        strict: true,
        module: "node16",
        moduleResolution: "node16",
        lib: ["es2022", "dom"],
        types: [],
      };
      writeFileSync(join(scratch, name), JSON.stringify({ compilerOptions, files }));
      return run(process.execPath, [tsc, "-p", name], { cwd: scratch });
    };
    await expect(check("tsconfig.json", ["use.mts", "use.cts"])).resolves.toBeDefined();
    await expect(check("tsconfig.wrong.json", ["wrong.mts"])).rejects.toMatchObject({
      stdout: expect.stringContaining("TS2322"),
    });
  });
});
