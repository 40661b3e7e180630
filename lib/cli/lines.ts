import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

export interface Line {
  /** 1-based number of the line in the file (blank lines count). */
  number: number;
  text: string;
  /** Bytes of the file read so far (for progress). */
  bytesRead: number;
}

/**
 * The lines of a file of any size, one chunk in memory at a time. Iterating the stream chunk by chunk (rather than
 * readline's 'line' events) means the file is read only as fast as the consumer awaits, so a slow ingestion never
 * lets unread lines pile up in memory.
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let number = 0;
  let bytesRead = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    pending += decoder.write(chunk);
    let newline = pending.indexOf("\n");
    let start = 0;
    while (newline !== -1) {
      number += 1;
      yield { number, text: clean(pending.slice(start, newline), number), bytesRead };
      start = newline + 1;
      newline = pending.indexOf("\n", start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending !== "") {
    number += 1;
    yield { number, text: clean(pending, number), bytesRead };
  }
}

function clean(text: string, number: number): string {
  const withoutCr = text.endsWith("\r") ? text.slice(0, -1) : text;
  return number === 1 && withoutCr.startsWith("\uFEFF") ? withoutCr.slice(1) : withoutCr;
}
