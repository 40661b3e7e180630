/**
 * The engagement dashboard (web/): a static Preact app over the public API only, so it shows exactly what API
 * clients get. Built by `npm run build:web` into web/dist, served by `npm start` and, in AWS, from S3 behind
 * CloudFront with the API on the same origin.
 *
 * | part             | owns                                                                   |
 * |------------------|------------------------------------------------------------------------|
 * | locale.ts        | a locale Intl accepts, set before uPlot reads navigator.language       |
 * | api.ts           | every call of the API and its types (swappable for the SDK)            |
 * | session.ts       | credentials, in sessionStorage only                                    |
 * | router.ts        | hash routes (no server rewrites needed)                                |
 * | chart.tsx        | uPlot line charts; incomplete buckets dashed                           |
 * | views/*          | one file per screen: sign-in, overview, reports, engagement, users     |
 *
 * Why Preact + uPlot: the first view is well under the 150 KB gzipped budget (`npm run bundle-size`).
 */
// First: uPlot formats with navigator.language as soon as its module is evaluated (locale.ts).
import "./locale.js";
import { render } from "preact";
import { fetchLocalConfig } from "./api.js";
import { App } from "./app.js";
import "./styles.css";

const root = document.getElementById("app");
if (root) {
  const config = await fetchLocalConfig();
  render(<App config={config} />, root);
}
