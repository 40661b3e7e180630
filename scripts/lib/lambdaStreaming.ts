import { Writable } from "node:stream";

/**
 * Lambda response streaming off Lambda: the `awslambda` globals the Node.js runtime gives a handler
 * (`streamifyResponse`, `HttpResponseStream.from`), and a response stream that reads what the handler writes as API
 * Gateway's REST `STREAM` integration does. The local server (httpServer.ts), the tests and the bundle test call a
 * streaming family handler through this and nothing else, so they run the code Lambda runs.
 *
 * | piece                        | behaves like                                                                   |
 * |------------------------------|--------------------------------------------------------------------------------|
 * | `streamifyResponse(h)`       | the runtime's: marks `h` as streaming (same symbol), returns it                |
 * | `HttpResponseStream.from`    | the runtime's: content type `application/vnd.awslambda.http-integration-       |
 * |                              | response`; before the first write, the JSON prelude then 8 NUL bytes           |
 * | LocalResponseStream          | API Gateway: prelude → status and headers, the bytes after the 8 NULs → body;  |
 * |                              | a handler failing after the head cuts the response short                       |
 *
 * Why the wire format rather than an object hand-off: a handler that writes a malformed prelude, or body bytes
 * before it, fails here as it would on AWS.
 */

const STREAMING_SYMBOL = Symbol.for("aws.lambda.runtime.handler.streaming");
const STREAM_RESPONSE = "response";
const PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const DELIMITER_BYTES = 8;

/** The status and headers API Gateway answers with, from the prelude. */
export interface ResponseHead {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
}

/** Where the parsed response goes: an HTTP response (local server) or a buffer (tests). */
export interface ResponseSink {
  head(head: ResponseHead): void;
  /** Calls `done` once the sink can take more (backpressure). */
  write(chunk: Buffer, done: () => void): void;
  end(): void;
  fail(error: Error): void;
}

type WriteWire = (chunk: string | Uint8Array) => void;

/** The response stream a streaming handler writes to. */
export class LocalResponseStream extends Writable {
  contentType = "application/octet-stream";
  /** Set by HttpResponseStream.from, as the runtime's stream has it. */
  _onBeforeFirstWrite?: (write: WriteWire) => void;
  private begun = false;
  private headSent = false;
  private ended = false;
  private prelude = Buffer.alloc(0);

  constructor(private readonly sink: ResponseSink) {
    super();
  }

  setContentType(contentType: string): void {
    this.contentType = contentType;
  }

  /** Whether the status and headers went out (after that, a failure can only cut the body short). */
  get committed(): boolean {
    return this.headSent;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.begin();
      this.wire(Buffer.from(chunk), () => callback());
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.begin();
      if (!this.headSent) {
        if (this.contentType === PRELUDE_CONTENT_TYPE) throw new Error("response stream ended inside its prelude");
        this.sendHead({ statusCode: 200, headers: { "content-type": this.contentType } });
      }
      this.ended = true;
      this.sink.end();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error && !this.ended) this.sink.fail(error);
    callback(error);
  }

  /** The runtime writes the prelude through `_onBeforeFirstWrite` before the handler's first byte. */
  private begin(): void {
    if (this.begun) return;
    this.begun = true;
    const pending: Buffer[] = [];
    this._onBeforeFirstWrite?.((chunk) => pending.push(Buffer.from(chunk)));
    for (const chunk of pending) this.wire(chunk, () => {});
  }

  private wire(chunk: Buffer, done: () => void): void {
    if (!this.headSent && this.contentType !== PRELUDE_CONTENT_TYPE) {
      this.sendHead({ statusCode: 200, headers: { "content-type": this.contentType } });
    }
    if (this.headSent) {
      this.sink.write(chunk, done);
      return;
    }
    this.prelude = Buffer.concat([this.prelude, chunk]);
    const end = this.prelude.indexOf(0);
    if (end === -1 || this.prelude.length < end + DELIMITER_BYTES) {
      done();
      return;
    }
    if (!this.prelude.subarray(end, end + DELIMITER_BYTES).every((byte) => byte === 0)) {
      throw new Error("response stream prelude not followed by 8 NUL bytes");
    }
    this.sendHead(parsePrelude(this.prelude.subarray(0, end).toString("utf8")));
    const rest = this.prelude.subarray(end + DELIMITER_BYTES);
    this.prelude = Buffer.alloc(0);
    if (rest.length > 0) this.sink.write(rest, done);
    else done();
  }

  private sendHead(head: ResponseHead): void {
    this.headSent = true;
    this.sink.head(head);
  }
}

function parsePrelude(text: string): ResponseHead {
  const prelude = JSON.parse(text) as Partial<ResponseHead>;
  if (!Number.isInteger(prelude.statusCode)) throw new Error("response stream prelude without a statusCode");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(prelude.headers ?? {})) headers[name] = String(value);
  return { ...prelude, statusCode: prelude.statusCode as number, headers };
}

/** Lambda's `awslambda` global, as much of it as handlers use. */
export const awslambdaGlobal = {
  streamifyResponse<T extends object>(handler: T): T {
    Object.defineProperty(handler, STREAMING_SYMBOL, { value: STREAM_RESPONSE });
    return handler;
  },
  HttpResponseStream: {
    from(stream: LocalResponseStream, prelude: object): LocalResponseStream {
      stream.setContentType(PRELUDE_CONTENT_TYPE);
      // JSON.stringify never writes a NUL byte, so the first NUL ends the prelude.
      const text = JSON.stringify(prelude);
      stream._onBeforeFirstWrite = (write) => {
        write(text);
        write(new Uint8Array(DELIMITER_BYTES));
      };
      return stream;
    },
  },
};

/**
 * Installs what `globalThis.awslambda` lacks of the runtime's (Lambda's own, on AWS, has it all): before any
 * streaming handler module is loaded. Others also use the object (the AWS SDK's invoke store puts `InvokeStore` on
 * it, creating it if absent), so the members are added to it rather than the object replaced.
 */
export function installLambdaGlobals(): void {
  const scope = globalThis as unknown as { awslambda?: Partial<typeof awslambdaGlobal> };
  scope.awslambda ??= {};
  const { awslambda } = scope;
  awslambda.streamifyResponse ??= awslambdaGlobal.streamifyResponse;
  awslambda.HttpResponseStream ??= awslambdaGlobal.HttpResponseStream;
}

export function isStreamingHandler(handler: unknown): boolean {
  return (handler as Record<symbol, unknown> | null)?.[STREAMING_SYMBOL] === STREAM_RESPONSE;
}

/** A response collected whole (tests): status, headers and the body bytes API Gateway would send. */
export interface CollectedResponse extends ResponseHead {
  body: Buffer;
}

/** Calls a streaming handler and collects its response; rejects if the handler fails (before or after the head). */
export async function collectStreamingResponse<E, C>(
  handler: (event: E, stream: Writable, context: C) => Promise<void>,
  event: E,
  context: C,
): Promise<CollectedResponse> {
  let head: ResponseHead | undefined;
  const chunks: Buffer[] = [];
  const stream = new LocalResponseStream({
    head: (h) => {
      head = h;
    },
    write: (chunk, done) => {
      chunks.push(chunk);
      done();
    },
    end: () => {},
    fail: () => {},
  });
  await handler(event, stream, context);
  if (!stream.writableFinished) await new Promise((resolve) => stream.once("finish", resolve));
  if (!head) throw new Error("streaming handler ended without a response");
  return { ...head, body: Buffer.concat(chunks) };
}
