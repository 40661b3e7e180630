import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRequest, HttpResponse } from "../http/types.js";
import { json } from "../http/types.js";
import { buildOpenApiDocument } from "./document.js";

/**
 * The discovery routes (CONTRACT §9): `GET /openapi.json`, and `GET /docs`, Scalar's API reference rendering it.
 * The page loads Scalar's standalone bundle from this service (`/docs/api-reference.js`), never from a CDN: locally
 * it is read from node_modules, in the Lambda from the copy bundled next to the handler (infra/functions.ts).
 */

export const SCALAR_BUNDLE_FILE = "api-reference.js";

/** Scalar's standalone browser bundle: next to the running bundle (Lambda), else in node_modules. */
export function scalarBundlePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, SCALAR_BUNDLE_FILE);
  if (existsSync(bundled)) return bundled;
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  return join(dirname(entry), "browser", "standalone.js");
}

let script: string | undefined;

/**
 * Relative URLs, so the page works under an API Gateway stage prefix (`/prod/docs`) as well as locally, and at both
 * `/docs` and `/docs/` (the same resource, locally and on API Gateway): from `/docs/` the page's siblings are one
 * level up, so the inline script picks the prefix from the address the browser shows, which the handler can't see
 * behind a stage or a CloudFront path.
 */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>engagement-insights API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script>
      const root = location.pathname.endsWith("/") ? "../" : "";
      const script = document.createElement("script");
      script.src = root + "docs/api-reference.js";
      script.onload = () =>
        // Nothing from elsewhere: no web fonts, no AI agent (it queries Scalar's registry), no hosted developer tools.
        Scalar.createApiReference("#app", {
          url: root + "openapi.json",
          withDefaultFonts: false,
          agent: { disabled: true },
          showDeveloperTools: "never",
        });
      document.body.append(script);
    </script>
  </body>
</html>
`;
}

export const docsRoutes: Record<string, (request: HttpRequest) => Promise<HttpResponse>> = {
  "GET /openapi.json": async () => json(200, buildOpenApiDocument()),
  "GET /docs": async () => ({
    statusCode: 200,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: docsPage(),
  }),
  "GET /docs/api-reference.js": async () => {
    script ??= readFileSync(scalarBundlePath(), "utf8");
    return {
      statusCode: 200,
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" },
      body: script,
    };
  },
};
