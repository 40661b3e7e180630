import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "../lib/openapi/document.js";

// `npm run openapi`: writes the OpenAPI document (lib/openapi/document.ts) to openapi.json at the project root,
// the file the SDK's types are generated from (sdk/: `npm run generate`). A test fails when it is out of date.

const path = join(dirname(dirname(fileURLToPath(import.meta.url))), "openapi.json");
writeFileSync(path, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${path}`);
