import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/paths.js";

/** The SDK package: its types are the OpenAPI document's, and it depends on nothing but the platform. */

const SDK = join(PROJECT_ROOT, "sdk");

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
    expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js" });
    for (const file of readdirSync(join(SDK, "src")).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(SDK, "src", file), "utf8");
      for (const [, from] of source.matchAll(/from "([^"]+)"/g))
        expect(from, `${file} imports ${from}`).toMatch(/^\.\//);
    }
  });
});
