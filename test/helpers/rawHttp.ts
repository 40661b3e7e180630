import { connect } from "node:net";
import { vi } from "vitest";
import { logger } from "../../functions/shared/logger.js";

/**
 * HTTP through a real socket, byte for byte: request lines and headers Node's own client would refuse to send
 * (`Get`, raw non-ASCII, broken percent-encoding), and a record of every log call, to find a response's request id.
 */

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The JSON body, or `{ notJson: text }` when it is not JSON. */
  body: unknown;
}

/** The body of a `Transfer-Encoding: chunked` response (sizes count bytes). */
function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf("\r\n", at);
    const size = Number.parseInt(bytes.subarray(at, end).toString("latin1"), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
}

/** Sends `request` as bytes on a fresh connection to `port` and reads the response until the server closes it. */
export function sendRaw(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const bytes = Buffer.concat(chunks);
      const split = bytes.indexOf("\r\n\r\n");
      if (split === -1) return reject(new Error(`no HTTP response: ${JSON.stringify(bytes.toString("latin1"))}`));
      const [statusLine, ...headerLines] = bytes.subarray(0, split).toString("latin1").split("\r\n");
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(":")).toLowerCase(),
          line.slice(line.indexOf(":") + 1).trim(),
        ]),
      );
      const rest = bytes.subarray(split + 4);
      const text = (headers["transfer-encoding"] === "chunked" ? dechunk(rest) : rest).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = { notJson: text };
      }
      resolve({ status: Number(statusLine?.split(" ")[1]), headers, body });
    });
  });
}

/** A request with `Connection: close` (so the response ends with the connection); `headers` are full CRLF lines. */
export const rawRequest = (line: string, headers = "", body = "") =>
  `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n${body}`;

/** Records every call of the shared logger, whatever its level (the tests run it silent). Call in beforeAll. */
export function recordLogs(): string[] {
  const logged: string[] = [];
  for (const level of ["debug", "info", "warn", "error"] as const) {
    vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      logged.push(JSON.stringify(args));
    });
  }
  return logged;
}

/** Whether a log line carries this request id. */
export const isLogged = (logged: string[], requestId: string | undefined) =>
  requestId !== undefined && logged.some((line) => line.includes(`"request_id":"${requestId}"`));
