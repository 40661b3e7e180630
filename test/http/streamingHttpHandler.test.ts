import type { Writable } from "node:stream";
import { brotliDecompressSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { streamingHttpHandler } from "../../functions/shared/streamingHttpHandler.js";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { json, type RouteResponse } from "../../lib/http/types.js";
import {
  awslambdaGlobal,
  collectStreamingResponse,
  LocalResponseStream,
  type ResponseHead,
} from "../../scripts/lib/lambdaStreaming.js";
import { apiEvent, lambdaContext } from "../helpers/apiEvent.js";

/**
 * The streaming handler's promise: an answer that ends within the threshold gets the buffered families' treatment
 * (a failing read becomes the family's 503/500), a longer one is committed to 200 and a later failure cuts it short.
 * Routes here are synthetic bodies (no I/O); the dashboard's real ones are in test/dashboard/.
 */

const RESOURCE = "/api/v1/engagement-dashboard/users/active-users";
const THRESHOLD = 1024;

function handlerAnswering(body: () => AsyncGenerator<string>) {
  return streamingHttpHandler("dashboard", {
    [`GET ${RESOURCE}`]: async (): Promise<RouteResponse> => ({ ...json(200, {}), body: body() }),
  });
}

const event = (headers: Record<string, string> = {}) => apiEvent({ path: RESOURCE, headers, requestId: "req-1" });

class Throttled extends Error {
  override name = "ThrottlingException";
}

afterEach(() => {
  delete process.env.RESPONSE_GZIP_THRESHOLD_BYTES;
});

describe("streamingHttpHandler", () => {
  it("answers a failure within the threshold in the family's format: 503 if retryable, else 500", async () => {
    process.env.RESPONSE_GZIP_THRESHOLD_BYTES = String(THRESHOLD);
    for (const [error, status, body] of [
      [new Throttled("slow down"), 503, familyErrors.dashboard.unavailable],
      [new Error("bug"), 500, familyErrors.dashboard.internal],
    ] as const) {
      const handler = handlerAnswering(async function* () {
        yield '{"month":[';
        throw error;
      });
      const response = await collectStreamingResponse(handler, event(), lambdaContext());
      expect(response.statusCode).toBe(status);
      expect(JSON.parse(response.body.toString("utf8"))).toEqual(body);
      expect(response.headers["x-request-id"]).toBe("req-1");
    }
  });

  it("commits to 200 past the threshold, and a later failure cuts the stream short (the handler fails)", async () => {
    process.env.RESPONSE_GZIP_THRESHOLD_BYTES = String(THRESHOLD);
    const handler = handlerAnswering(async function* () {
      yield "x".repeat(THRESHOLD + 1);
      throw new Error("read failed");
    });
    let head: ResponseHead | undefined;
    let failed: Error | undefined;
    const stream = new LocalResponseStream({
      head: (h) => {
        head = h;
      },
      write: (_chunk, done) => done(),
      end: () => {},
      fail: (error) => {
        failed = error;
      },
    });
    await expect(handler(event(), stream, lambdaContext())).rejects.toThrow();
    expect(head?.statusCode).toBe(200);
    expect(failed).toBeInstanceOf(Error);
  });

  it("compresses a long answer as it streams for a client accepting br, with Vary", async () => {
    process.env.RESPONSE_GZIP_THRESHOLD_BYTES = String(THRESHOLD);
    const pieces = Array.from({ length: 200 }, (_, i) => `"piece-${i}",`);
    const handler = handlerAnswering(async function* () {
      yield "[";
      yield* pieces;
      yield "0]";
    });
    const response = await collectStreamingResponse(handler, event({ "Accept-Encoding": "br" }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "content-encoding": "br", vary: "Accept-Encoding" });
    expect(brotliDecompressSync(response.body).toString("utf8")).toBe(`[${pieces.join("")}0]`);
  });
});

describe("the local awslambda shim (as Lambda's runtime and API Gateway read a streamed response)", () => {
  function collect() {
    const out: { head?: ResponseHead; body: Buffer[]; ended: boolean } = { body: [], ended: false };
    const stream = new LocalResponseStream({
      head: (h) => {
        out.head = h;
      },
      write: (chunk, done) => {
        out.body.push(chunk);
        done();
      },
      end: () => {
        out.ended = true;
      },
      fail: () => {},
    });
    return { stream, out };
  }

  const end = (stream: Writable) => new Promise<void>((resolve, reject) => stream.end(resolve).on("error", reject));

  it("sends the prelude (JSON, 8 NUL bytes) as status and headers, the bytes after it as the body", async () => {
    const { stream, out } = collect();
    awslambdaGlobal.HttpResponseStream.from(stream, { statusCode: 201, headers: { "x-a": "1" } });
    stream.write("he");
    stream.write("llo");
    await end(stream);
    expect(out.head).toEqual({ statusCode: 201, headers: { "x-a": "1" } });
    expect(Buffer.concat(out.body).toString()).toBe("hello");
    expect(out.ended).toBe(true);
  });

  it("reads a prelude split across writes, and refuses one not followed by 8 NUL bytes", async () => {
    const { stream, out } = collect();
    stream.setContentType("application/vnd.awslambda.http-integration-response");
    stream.write('{"statusCode":');
    stream.write(Buffer.concat([Buffer.from("404}"), Buffer.alloc(3)]));
    stream.write(Buffer.concat([Buffer.alloc(5), Buffer.from("body")]));
    await end(stream);
    expect(out.head?.statusCode).toBe(404);
    expect(Buffer.concat(out.body).toString()).toBe("body");

    const bad = collect();
    bad.stream.setContentType("application/vnd.awslambda.http-integration-response");
    const failed = new Promise((resolve) => bad.stream.on("error", resolve));
    bad.stream.write(Buffer.concat([Buffer.from('{"statusCode":200}'), Buffer.alloc(1), Buffer.from("1234567")]));
    expect(await failed).toBeInstanceOf(Error);
    expect(bad.out.head).toBeUndefined();
  });

  it("marks a streamified handler as the runtime does", () => {
    const handler = awslambdaGlobal.streamifyResponse(async () => {});
    expect((handler as unknown as Record<symbol, unknown>)[Symbol.for("aws.lambda.runtime.handler.streaming")]).toBe(
      "response",
    );
  });
});
