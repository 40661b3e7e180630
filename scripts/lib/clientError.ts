import { STATUS_CODES } from "node:http";
import { type FamilyErrors, familyErrors, unroutedErrors } from "../../lib/http/familyErrors.js";
import { matchPath, methodsOf } from "../../lib/routes.js";

/**
 * The local server's answer to a request Node's HTTP parser refuses (its `clientError` hook): wrong-case or unknown
 * methods (`Get`, `FOO`), oversized headers, raw non-ASCII or spaces in the request line, malformed headers.
 * Node's own answer is an empty `400` with no `x-request-id`; API Gateway's place is answered like any other
 * request (CONTRACT §8): JSON in the family's error format, chosen from the request line's path when one can be read.
 *
 * | parser error                         | status | family                                 | why                          |
 * |--------------------------------------|--------|----------------------------------------|------------------------------|
 * | HPE_INVALID_METHOD on a route        | 405    | the route's                            | methods are case-sensitive   |
 * | HPE_INVALID_METHOD elsewhere         | 404    | the path's family (else the plain one) | as the handlers route        |
 * | HPE_HEADER_OVERFLOW                  | 431    | the path's family                      | headers over Node's 16 KiB   |
 * | ERR_HTTP_REQUEST_TIMEOUT / HEADERS_… | 408    | the path's family                      | request not sent in time     |
 * | any other parse error                | 400    | the path's family                      | not a request we can read    |
 */

export interface EdgeAnswer {
  status: number;
  body: unknown;
  /** What the request line said, for the log (undefined when unreadable). */
  method?: string;
  path?: string;
}

/** Method and path of the first line of what the parser was given, read as bytes (latin1) so nothing throws. */
export function readRequestLine(raw: Buffer | undefined): { method: string; path: string } | undefined {
  if (!raw) return undefined;
  const line = raw.subarray(0, 8192).toString("latin1").split(/\r?\n/, 1)[0] ?? "";
  const found = /^(\S+) (.+?)(?: HTTP\/\d(?:\.\d)?)?$/.exec(line);
  if (!found) return undefined;
  const target = found[2] as string;
  return { method: found[1] as string, path: target.split("?", 1)[0] as string };
}

/** The answer for a parse error of code `code` on the bytes `raw` (Node's `error.rawPacket`). */
export function edgeAnswer(code: string | undefined, raw: Buffer | undefined): EdgeAnswer {
  const requestLine = readRequestLine(raw);
  const match = requestLine ? matchPath(requestLine.path) : undefined;
  const errors: FamilyErrors = match ? familyErrors[match.family] : unroutedErrors;
  const answer = (status: number, body: unknown): EdgeAnswer => ({ status, body, ...requestLine });
  switch (code) {
    case "HPE_INVALID_METHOD":
      if (!requestLine) return answer(400, errors.badRequest);
      return match && methodsOf(match.resource).length > 0
        ? answer(405, errors.methodNotAllowed)
        : answer(404, errors.notFound);
    case "HPE_HEADER_OVERFLOW":
      return answer(431, errors.headersTooLarge);
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "HPE_HEADERS_TIMEOUT":
      return answer(408, errors.requestTimeout);
    default:
      return answer(400, errors.badRequest);
  }
}

/** A complete HTTP/1.1 response to write on the raw socket; the connection closes after it. */
export function rawJsonResponse(status: number, body: unknown, requestId: string): string {
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "content-type: application/json; charset=utf-8",
    `content-length: ${Buffer.byteLength(json, "utf8")}`,
    `x-request-id: ${requestId}`,
    "connection: close",
    "",
    json,
  ].join("\r\n");
}
