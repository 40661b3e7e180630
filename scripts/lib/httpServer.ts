// First: the dashboard's handler module needs Lambda's `awslambda` global when it is loaded.
import "./lambdaRuntime.js";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Writable } from "node:stream";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { handler as dashboard } from "../../functions/dashboard.js";
import { handler as docs } from "../../functions/docs.js";
import { handler as ingest } from "../../functions/ingest.js";
import { handler as insights } from "../../functions/insights.js";
import { logger } from "../../functions/shared/logger.js";
import { handler as users } from "../../functions/users.js";
import { allowedOriginsFromEnv, corsHeaders, isPreflight, preflightHeaders } from "../../lib/http/cors.js";
import { HTTP_FUNCTION_TIMEOUT_SECONDS, STREAMING_FUNCTION_TIMEOUT_SECONDS } from "../../lib/http/deadline.js";
import { familyErrors, unroutedErrors } from "../../lib/http/familyErrors.js";
import { MAX_BODY_BYTES } from "../../lib/ingest/schema.js";
import { TenantGate } from "../../lib/limits/tenantGate.js";
import { lowerCaseHeaders } from "../../lib/limits/tenantOf.js";
import { type Family, matchPath, methodsOf } from "../../lib/routes.js";
import { storeFromEnv } from "../../lib/storage/client.js";
import { splitTarget, toApiGatewayEvent } from "./apiGatewayEvent.js";
import { edgeAnswer, rawJsonResponse } from "./clientError.js";
import { isStreamingHandler, LocalResponseStream } from "./lambdaStreaming.js";
import { serveWebFile, type WebRoot } from "./webFiles.js";

/**
 * The local stand-in for API Gateway: each request goes to the family Lambda handler API Gateway would invoke,
 * as the same proxy event. The handlers build their store from the environment (DYNAMODB_ENDPOINT, TABLE_PREFIX).
 */

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type StreamingLambdaHandler = (event: APIGatewayProxyEvent, stream: Writable, context: Context) => Promise<void>;

/** Each family's handler as deployed: buffered (proxy result) or streaming (infra/api.ts gives it `STREAM`). */
const handlers: Record<Family, LambdaHandler | StreamingLambdaHandler> = { ingest, dashboard, users, insights, docs };

// The local server stops reading past the contract's 1 MiB only to guard its memory: the ingest handler enforces the
// limit itself, as it must behind API Gateway, which lets 10 MB through.

const JSON_TYPE = "application/json; charset=utf-8";

/** The deployed functions' timeouts (infra/functions.ts), so a request meets its deadline locally as on AWS. */
const FUNCTION_TIMEOUT_MS: Record<Family, number> = {
  ingest: HTTP_FUNCTION_TIMEOUT_SECONDS * 1000,
  users: HTTP_FUNCTION_TIMEOUT_SECONDS * 1000,
  insights: HTTP_FUNCTION_TIMEOUT_SECONDS * 1000,
  docs: HTTP_FUNCTION_TIMEOUT_SECONDS * 1000,
  dashboard: STREAMING_FUNCTION_TIMEOUT_SECONDS * 1000,
};

function lambdaContext(family: Family, requestId: string): Context {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS[family];
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${family}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${family}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/local-${family}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * The log line of a response the local server gives itself (the handlers log their own): its `x-request-id` must be
 * findable in the log like every other (CONTRACT §8). Same logger and fields as functions/shared/httpHandler.ts.
 * Every answer is logged exactly once, by whoever gives it:
 *
 * | answer                                                        | logged by                                  |
 * |---------------------------------------------------------------|--------------------------------------------|
 * | a family handler's (any status, streamed or not)              | the handler (functions/shared/)            |
 * | 413 body too large, 404 outside every family, a web file      | here (`sendJson`, `handle`)                |
 * | 429 of the rate limiter (TenantGate)                          | here (`handle`)                            |
 * | 400 / 404 / 405 / 408 / 431 of requests Node's parser refuses | here (`answerClientError`, clientError.ts) |
 * | 500 of the adapter itself failing                             | here (`createLocalServer`)                 |
 */
function logEdgeResponse(requestId: string, method: string | undefined, path: string | undefined, status: number) {
  logger.info("request", { request_id: requestId, method, path, status, answered_by: "local-server" });
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, requestId: string): void {
  logEdgeResponse(requestId, req.method, req.url, status);
  res.writeHead(status, { "content-type": JSON_TYPE, "x-request-id": requestId });
  res.end(JSON.stringify(body));
}

/** The body's bytes (not decoded), or "too large" once it passes the limit (the rest is drained, not kept). */
function readBody(req: IncomingMessage): Promise<Buffer | null | "too large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) resolve("too large");
      else resolve(size === 0 ? null : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

export interface LocalServerOptions {
  /**
   * Per-tenant rate limits, as the deployed API's authorizer and usage plans apply them before any handler runs
   * (default: a TenantGate on the server's store with the defaults of TENANT_RATE_LIMIT / TENANT_BURST_LIMIT);
   * null serves without limits (the benchmark measures the service, not the limiter).
   */
  tenantGate?: TenantGate | null;
  /** Serve the dashboard's files at paths no API route claims. */
  web?: WebRoot;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  options: LocalServerOptions,
  gate: TenantGate | null,
): Promise<void> {
  const receivedAt = Date.now();
  const url = req.url ?? "/";
  const match = matchPath(url.split("?")[0] as string);
  // CORS (lib/http/cors.ts), with ALLOWED_ORIGINS as the functions read it: a preflight on an API path is answered
  // here, as by API Gateway's OPTIONS methods, when origins are listed; the server's own answers (429, 413, 404)
  // carry the headers (setHeader: the handlers' answers set the same ones themselves).
  const allowed = allowedOriginsFromEnv();
  const origin = req.headers.origin;
  if (match && allowed.length > 0 && isPreflight(req.method ?? "", { ...req.headers } as Record<string, string>)) {
    req.resume();
    logEdgeResponse(requestId, req.method, req.url, 204);
    res.writeHead(204, { ...preflightHeaders(origin, allowed), "x-request-id": requestId });
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(corsHeaders(origin, allowed))) res.setHeader(name, value);
  const body = await readBody(req);
  const errors = match ? familyErrors[match.family] : unroutedErrors;
  if (body === "too large") return sendJson(req, res, 413, errors.payloadTooLarge, requestId);
  if (
    !match &&
    options.web &&
    (await serveWebFile(options.web, req.method ?? "GET", splitTarget(url).path, res, requestId))
  ) {
    return logEdgeResponse(requestId, req.method, url, res.statusCode);
  }
  if (!match) return sendJson(req, res, 404, errors.notFound, requestId);
  const event = toApiGatewayEvent(
    {
      method: req.method ?? "GET",
      url,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      requestId,
      receivedAt,
    },
    match,
  );
  // As on AWS, only documented routes (where the authorizer sits) are limited.
  const limited =
    gate && methodsOf(match.resource).includes(event.httpMethod)
      ? await gate.check(match.family, lowerCaseHeaders(event.headers))
      : undefined;
  if (limited) {
    // The gate stands where API Gateway's usage plans do: its 429 is the server's own answer, logged like the others.
    logEdgeResponse(requestId, req.method, url, limited.statusCode);
    return sendResult(res, limited, requestId);
  }
  const handler = handlers[match.family];
  const context = lambdaContext(match.family, requestId);
  if (isStreamingHandler(handler)) return stream(res, handler as StreamingLambdaHandler, event, context);
  return sendResult(res, await (handler as LambdaHandler)(event, context), requestId);
}

function sendResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers: Record<string, string | number | boolean | (string | number | boolean)[]> = {
    ...(result.multiValueHeaders ?? {}),
    ...(result.headers ?? {}),
  };
  headers["x-request-id"] ??= requestId;
  res.writeHead(result.statusCode, headers as Record<string, string>);
  // As API Gateway with every media type binary: a base64 result goes out as its bytes, its headers (Content-Encoding:
  // gzip, Vary) as the handler set them.
  res.end(result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body);
}

/**
 * As API Gateway's `STREAM` integration: the handler's prelude becomes the status and headers, the bytes after it
 * the body, sent as they come (chunked). A handler failing before its prelude is a 500 (the caller's catch); after
 * it, the connection is cut, as on AWS.
 */
async function stream(
  res: ServerResponse,
  handler: StreamingLambdaHandler,
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<void> {
  const responseStream = new LocalResponseStream({
    head: ({ statusCode, headers, multiValueHeaders }) => {
      res.writeHead(statusCode, { ...(multiValueHeaders ?? {}), ...headers });
    },
    write: (chunk, done) => {
      if (res.write(chunk)) done();
      else res.once("drain", done);
    },
    end: () => res.end(),
    fail: (error) => res.destroy(error),
  });
  // The client going away stops the handler's stream (its reads stop at the next chunk).
  res.once("close", () => {
    if (!res.writableFinished) responseStream.destroy();
  });
  try {
    await handler(event, responseStream, context);
  } catch (error) {
    if (!responseStream.committed) throw error;
    logger.error("streamed response cut short", { request_id: context.awsRequestId, error: error as Error });
    res.destroy();
  }
}

/**
 * Requests Node's parser refuses never reach `handle`: answered here in the family's JSON format with an
 * `x-request-id` that is logged (see clientError.ts). A connection reset or a socket already gone gets nothing.
 */
function answerClientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const answer = edgeAnswer(error.code, error.rawPacket);
  logEdgeResponse(requestId, answer.method, answer.path, answer.status);
  socket.end(rawJsonResponse(answer.status, answer.body, requestId));
}

export function createLocalServer(options: LocalServerOptions = {}): Server {
  const gate = options.tenantGate === undefined ? new TenantGate(storeFromEnv) : options.tenantGate;
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    handle(req, res, requestId, options, gate).catch((error: unknown) => {
      // The handlers answer their own errors; this is only reached if the adapter itself fails.
      logger.error("local server error", { request_id: requestId, error: error as Error });
      const errors = familyErrors[matchPath((req.url ?? "/").split("?")[0] as string)?.family ?? "insights"];
      if (!res.headersSent) sendJson(req, res, 500, errors.internal, requestId);
      else res.end();
    });
  });
  server.on("clientError", answerClientError);
  return server;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (`port` 0 picks a free one, for tests). */
export async function startLocalServer(port: number, options: LocalServerOptions = {}): Promise<RunningServer> {
  const server = createLocalServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
