/**
 * A report's CSV download (CONTRACT §12) in a process of its own, as the insights Lambda streams it:
 * `tsx scripts/bench/csvDownload.ts '{"apiKey": ..., "path": ...}'` calls the insights handler with `Accept:
 * text/csv` on a response stream that counts the bytes and keeps none, and prints `{ms, maxRssMiB, bytes, rows}`:
 * the peak memory shows whether the answer is held whole (it must not be: rows are read and written a chunk at a
 * time).
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { installLambdaGlobals, LocalResponseStream } from "../lib/lambdaStreaming.js";

const { apiKey, path } = JSON.parse(process.argv[2] as string) as { apiKey: string; path: string };
installLambdaGlobals();
// After the globals: middy wraps a streaming handler with them when the module is evaluated.
const { handler } = await import("../../functions/insights.js");
const [resource, search] = path.split("?", 2) as [string, string];
const event = {
  resource,
  path: resource,
  httpMethod: "GET",
  headers: { Authorization: `Bearer ${apiKey}`, Accept: "text/csv" },
  multiValueHeaders: {},
  queryStringParameters: Object.fromEntries(new URLSearchParams(search)),
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  body: null,
  isBase64Encoded: false,
  requestContext: { requestId: "bench-csv" },
} as unknown as APIGatewayProxyEvent;
const context = {
  awsRequestId: "bench-csv",
  getRemainingTimeInMillis: () => 180_000,
  callbackWaitsForEmptyEventLoop: false,
} as unknown as Context;

let bytes = 0;
let lines = 0;
let status = 0;
const started = performance.now();
await new Promise<void>((resolve, reject) => {
  const stream = new LocalResponseStream({
    head: (head) => {
      status = head.statusCode;
    },
    write: (chunk, done) => {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines += 1;
      done();
    },
    end: resolve,
    fail: reject,
  });
  (handler as unknown as (e: APIGatewayProxyEvent, s: LocalResponseStream, c: Context) => Promise<void>)(
    event,
    stream,
    context,
  ).catch(reject);
});
const ms = performance.now() - started;
if (status !== 200) throw new Error(`CSV download answered ${status}`);
// resourceUsage().maxRSS is in KiB: the process's peak resident set, what a Lambda's memory limit bounds.
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, bytes, rows: lines - 1 }));
