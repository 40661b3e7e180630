import * as z from "zod";
import { familyErrors } from "../http/familyErrors.js";
import type { Family } from "../routes.js";

/** Security schemes and error bodies shared by the operations of lib/openapi/document.ts. */

export const securitySchemes = {
  apiKey: {
    type: "http",
    scheme: "bearer",
    description: "An API key of the environment: `Authorization: Bearer <api key>` (permission `read` or `ingest`).",
  },
  segmentWriteKey: {
    type: "http",
    scheme: "basic",
    description:
      "Segment's write key: an API key with ingest as the Basic user name, the password empty (or `writeKey` in the body).",
  },
  environmentId: {
    type: "apiKey",
    in: "header",
    name: "environment-id",
    description: "The API key's environment (users and usage-statistics routes, with the Bearer API key).",
  },
  dashboardUserId: {
    type: "apiKey",
    in: "header",
    name: "x-user-id",
    description: "A dashboard user of the environment (with x-auth-token; permission view-engagement-dashboard).",
  },
  dashboardAuthToken: {
    type: "apiKey",
    in: "header",
    name: "x-auth-token",
    description: "The dashboard user's token (with x-user-id).",
  },
} as const;

/** The three ways a route authenticates (CONTRACT §0): each a list of schemes presented together. */
export const security = {
  apiKey: [{ apiKey: [] }],
  /** Basic auth, or the key in the body (`{}`: no header needed). */
  segmentWriteKey: [{ segmentWriteKey: [] }, {}] as Record<string, string[]>[],
  apiKeyAndEnvironment: [{ apiKey: [], environmentId: [] }],
  userToken: [{ dashboardUserId: [], dashboardAuthToken: [] }],
};

/** A body whose every value is exactly the given one (the contract's exact error bodies). */
export function exactBody(value: Record<string, string | boolean>) {
  const shape = Object.fromEntries(Object.entries(value).map(([key, v]) => [key, z.literal(v)]));
  return z.object(shape).meta({ example: value });
}

export const insightsErrors = {
  unauthorized: exactBody({ error: "unauthorized" }).meta({ id: "Unauthorized" }),
  forbidden: exactBody({ error: "forbidden" }).meta({ id: "Forbidden" }),
  notFound: exactBody({ error: "not_found" }).meta({ id: "NotFound" }),
};

/** A JSON response: the description and the zod schema of its body. */
export function jsonResponse(description: string, schema: z.ZodType) {
  return { description, content: { "application/json": { schema } } };
}

/** The 500 and 503 every route may answer, in its family's format (lib/http/familyErrors.ts). */
export function serverErrors(family: Family) {
  const errors = familyErrors[family] as {
    internal: Record<string, string | boolean>;
    unavailable: Record<string, string | boolean>;
  };
  return {
    500: jsonResponse(
      "Unexpected fault (details only in the logs, under the x-request-id).",
      exactBody(errors.internal),
    ),
    503: jsonResponse("A transient storage fault: retry the same request.", exactBody(errors.unavailable)),
  };
}
