import { pipeline, Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { chooseCoding, gzipThreshold, LAMBDA_STREAMED_RESPONSE_LIMIT_BYTES } from "../../lib/http/compression.js";
import { withCorsHeaders } from "../../lib/http/cors.js";
import { oneChunk, readBodyStart } from "../../lib/http/streamedBody.js";
import { isStreamed } from "../../lib/http/types.js";
import type { Family } from "../../lib/routes.js";
import { compressionStream } from "./compressResponse.js";
import { errorResponse, lowerCaseHeaders, type RouteHandlers, routeAnswer } from "./httpHandler.js";
import { logger } from "./logger.js";

/**
 * A family's Lambda as a response-streaming handler (Lambda response streaming behind API Gateway's REST `STREAM`
 * transfer mode, infra/api.ts; the local server calls it the same way through scripts/lib/lambdaStreaming.ts).
 * middy's `streamifyResponse` wraps it in `awslambda.streamifyResponse` and sends `{statusCode, headers}` as the
 * metadata prelude (`awslambda.HttpResponseStream.from`), then pipes `body` to the response stream.
 *
 * | answer                                        | sent as                                                     |
 * |-----------------------------------------------|-------------------------------------------------------------|
 * | ends within the threshold (1 MiB default)     | whole, as the buffered families send it: errors while it is |
 * |                                               | read become the family's 503/500, no `Vary`, not compressed |
 * | longer                                        | status 200 sent, then the body as it is produced, br/gzip   |
 * |                                               | for clients that accept it (`Vary: Accept-Encoding`)        |
 *
 * Why: there is no 6 MB limit on a streamed response (200 MB, and API Gateway streams for up to 15 minutes), and
 * the body need not be held whole. The cost of committing to 200 early: a read that fails later can only cut the
 * stream short (logged; the client sees the connection end without the closing `]}`), never turn into a 503.
 * Compression stays in the function because API Gateway does no content encoding on a streamed response.
 */
/**
 * What the runtime calls: the proxy event, the response stream to write the prelude and body to, the context. (middy
 * types its result as a buffered handler's; `awslambda.streamifyResponse` returns this shape.)
 */
export type StreamingLambdaHandler = (
  event: APIGatewayProxyEvent,
  responseStream: Writable,
  context: Context,
) => Promise<void>;

export function streamingHttpHandler(family: Family, handlers: RouteHandlers): StreamingLambdaHandler {
  const handler = middy(
    async (event: APIGatewayProxyEvent, context: Context) => {
      const { response, log } = await routeAnswer(family, handlers, event, context);
      const logRequest = (status: number, more: Record<string, unknown> = {}) =>
        logger.info("request", { ...log, method: event.httpMethod, path: event.path, status, ...more });
      const threshold = gzipThreshold(process.env.RESPONSE_GZIP_THRESHOLD_BYTES);
      let start: Awaited<ReturnType<typeof readBodyStart>>;
      let answered = response;
      try {
        start = await readBodyStart(isStreamed(response) ? response.body : oneChunk(response.body), threshold);
      } catch (error) {
        answered = errorResponse(family, error, log);
        start = await readBodyStart(oneChunk(answered.body as string), Number.POSITIVE_INFINITY);
      }
      const origin = lowerCaseHeaders(event.headers).origin;
      const headers: Record<string, string> = { ...answered.headers, "x-request-id": log.request_id };
      if (start.done && start.bytes <= threshold) {
        logRequest(answered.statusCode);
        return {
          statusCode: answered.statusCode,
          headers: withCorsHeaders(headers, origin),
          body: start.chunks.join(""),
        };
      }
      const coding = chooseCoding(start.bytes, lowerCaseHeaders(event.headers)["accept-encoding"], threshold);
      headers.vary = "Accept-Encoding";
      if (coding) headers["content-encoding"] = coding;
      const stages = [
        Readable.from(utf8(start.all())),
        ...(coding ? [compressionStream(coding)] : []),
        new ByteLimit(LAMBDA_STREAMED_RESPONSE_LIMIT_BYTES),
      ];
      // The last stage, which middy pipes to the response stream; a failure anywhere destroys it, ending the stream.
      const body = pipeline(stages, (error) => {
        if (error) logger.error("streamed answer cut short", { ...log, error });
      }) as unknown as Readable;
      logRequest(answered.statusCode, { streamed: true, ...(coding ? { content_encoding: coding } : {}) });
      return { statusCode: answered.statusCode, headers: withCorsHeaders(headers, origin), body };
    },
    { streamifyResponse: true },
  );
  return handler as unknown as StreamingLambdaHandler;
}

async function* utf8(chunks: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk, "utf8");
}

/** Fails the stream rather than let it pass what Lambda can stream (the route's own cap keeps answers under it). */
class ByteLimit extends Transform {
  private sent = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sent += chunk.length;
    if (this.sent > this.limit) callback(new Error(`streamed answer over ${this.limit} bytes`));
    else callback(null, chunk);
  }
}
