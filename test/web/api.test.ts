import { describe, expect, it } from "vitest";
import { familyErrors } from "../../lib/http/familyErrors.js";
import { errorMessage } from "../../web/src/api.js";

/** The dashboard turns each route family's error body (CONTRACT §4–§6) into one message a person can act on. */
describe("dashboard API errors", () => {
  it("names a wrong or revoked API key and a wrong dashboard token apart", () => {
    expect(errorMessage(401, { error: "unauthorized" }, "key")).toBe("This API key is wrong or has been revoked.");
    expect(errorMessage(401, { status: "error", message: "You must be logged in to do this." }, "token")).toBe(
      "This user id and token are wrong or the token has been revoked.",
    );
  });

  it("says which permission is missing, or the users family's own reason", () => {
    expect(errorMessage(403, { error: "forbidden" }, "key")).toBe("This API key lacks the read permission.");
    expect(errorMessage(403, { status: "error", message: "environment-id does not match the API key" }, "key")).toBe(
      "Not allowed: environment-id does not match the API key.",
    );
    expect(errorMessage(403, { success: false, error: "User does not have the permissions" }, "token")).toBe(
      "This user token lacks the view-engagement-dashboard permission.",
    );
  });

  it("passes a 400's explanation on, whichever field holds it", () => {
    expect(
      errorMessage(400, { error: "invalid_request", message: "report_interval must be one of 30, 60, 90" }, "key"),
    ).toBe("The request was refused: report_interval must be one of 30, 60, 90");
    expect(
      errorMessage(
        400,
        { success: false, error: "Match error: Failed Match.Where validation in field start" },
        "token",
      ),
    ).toBe("The request was refused: Match error: Failed Match.Where validation in field start");
  });

  it("answers not found, busy and failures without internals", () => {
    expect(errorMessage(404, familyErrors.insights.notFound, "key")).toBe("Not found.");
    expect(errorMessage(503, { error: "retry" }, "key")).toBe("The service is busy. Try again in a moment.");
    expect(errorMessage(500, "<html>", "key")).toBe("The service failed (HTTP 500). Try again later.");
  });
});
