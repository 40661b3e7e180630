import { HttpError } from "./types.js";

/**
 * The insights family's 400 (CONTRACT §6): `{"error": "invalid_request", "message": ...}`, the message naming the
 * parameter and its allowed values. Reports, charts and their query parsers (lib/charts) build it from here.
 */
export function invalidRequest(message: string): HttpError {
  return new HttpError(400, { error: "invalid_request", message });
}
