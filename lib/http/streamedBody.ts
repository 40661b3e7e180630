/**
 * The start of a streamed body, read before the answer's status is sent: a body that ends within the threshold is
 * answered whole (exactly as a buffered one: its status can still become the family's 503/500 if a read fails, and
 * it is not compressed), a longer one is committed to its status and sent as it comes.
 */
export interface BodyStart {
  /** The chunks read so far, in order. */
  chunks: string[];
  /** Their UTF-8 size. */
  bytes: number;
  /** True if the body ended within the threshold (then `chunks` is all of it). */
  done: boolean;
  /** The rest of the body, the chunks above first: iterate it once, only if not `done`. */
  all: () => AsyncGenerator<string>;
}

/** Reads `body` until it ends or passes `thresholdBytes` (UTF-8); a read that fails rejects. */
export async function readBodyStart(body: AsyncIterable<string>, thresholdBytes: number): Promise<BodyStart> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: string[] = [];
  let bytes = 0;
  let done = false;
  while (bytes <= thresholdBytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    bytes += Buffer.byteLength(next.value, "utf8");
  }
  async function* all(): AsyncGenerator<string> {
    yield* chunks;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { chunks, bytes, done, all };
}

/** A whole body as a one-chunk stream, so every answer takes the same path. */
export async function* oneChunk(body: string): AsyncGenerator<string> {
  yield body;
}
