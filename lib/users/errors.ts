import { HttpError } from "../http/types.js";

/** The users family's error body (CONTRACT §5): `{"status": "error", "message": ...}`. */
export function usersError(statusCode: 400 | 401 | 403 | 404, message: string): HttpError {
  return new HttpError(statusCode, { status: "error", message });
}
