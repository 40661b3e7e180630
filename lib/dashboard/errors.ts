import { HttpError } from "../http/types.js";

/** The dashboard family's error bodies (CONTRACT §4, exact: existing clients match them byte for byte). */

export const notLoggedIn = () => new HttpError(401, { status: "error", message: "You must be logged in to do this." });

export const lacksPermission = () =>
  new HttpError(403, {
    success: false,
    error: "User does not have the permissions required for this action [error-unauthorized]",
  });

export const invalidField = (field: "start" | "end") =>
  new HttpError(400, { success: false, error: `Match error: Failed Match.Where validation in field ${field}` });
