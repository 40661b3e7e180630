import { createReadStream } from "node:fs";
import { decodeBody, NotUtf8Body } from "../http/requestBody.js";

export interface Line {
  /** 1-based number of the line in the file (blank lines count). */
  number: number;
  /** The line's text; NotUtf8Body when its bytes are not UTF-8 (refused, never read with U+FFFD in their place). */
  text: string | NotUtf8Body;
  /** Bytes of the file read so far (for progress). */
  bytesRead: number;
}

/**
 * The lines of a file of any size, one chunk in memory at a time. Iterating the stream chunk by chunk (rather than
 * readline's 'line' events) means the file is read only as fast as the consumer awaits, so a slow ingestion never
 * lets unread lines pile up in memory. Lines are cut at the byte 0x0A (never part of a multi-byte UTF-8 character)
 * and decoded strictly, as request bodies are (lib/http/requestBody.ts).
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let pending: Buffer = Buffer.alloc(0);
  let number = 0;
  let bytesRead = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    const bytes = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      pending = bytes;
      continue;
    }
    for (const text of linesOf(bytes.subarray(0, lastNewline))) {
      number += 1;
      yield { number, text: clean(text, number), bytesRead };
    }
    pending = bytes.subarray(lastNewline + 1);
  }
  if (pending.length > 0) {
    number += 1;
    yield { number, text: clean(decodeBody(pending), number), bytesRead };
  }
}

/** The lines of `bytes` (newline-separated, none after the last): all at once, or one by one to find the bad ones. */
function* linesOf(bytes: Buffer): Generator<string | NotUtf8Body> {
  const whole = decodeBody(bytes);
  if (typeof whole === "string") {
    yield* whole.split("\n");
    return;
  }
  for (let start = 0; ; ) {
    const end = bytes.indexOf(0x0a, start);
    yield decodeBody(bytes.subarray(start, end === -1 ? bytes.length : end));
    if (end === -1) return;
    start = end + 1;
  }
}

function clean(text: string | NotUtf8Body, number: number): string | NotUtf8Body {
  if (text instanceof NotUtf8Body) return text;
  const withoutCr = text.endsWith("\r") ? text.slice(0, -1) : text;
  return number === 1 && withoutCr.startsWith("\uFEFF") ? withoutCr.slice(1) : withoutCr;
}
