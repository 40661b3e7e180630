import * as z from "zod";
import { type FamilyErrors, familyErrors, gatewayBodies } from "../http/familyErrors.js";
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
    503: jsonResponse(
      "Retry the same request after its Retry-After: a transient storage fault, or work the request could not finish " +
        "in time (an ingestion batch stays pending; old days' hour counts go on being derived).",
      exactBody(errors.unavailable),
    ),
  };
}

type Body = Record<string, string | boolean>;

/** Component names of each format's edge answers: ingestion, insights and discovery share one format. */
const FORMAT_PREFIX = { insights: "", users: "Users", dashboard: "Dashboard" } as const;
type Format = keyof typeof FORMAT_PREFIX;
const formatOf = (family: Family): Format => (family === "users" || family === "dashboard" ? family : "insights");

function edgeSchemas(format: Format) {
  const errors = familyErrors[format] as unknown as Record<keyof FamilyErrors, Body>;
  const prefix = FORMAT_PREFIX[format];
  return {
    methodNotAllowed: exactBody(errors.methodNotAllowed).meta({ id: `${prefix}MethodNotAllowed` }),
    headersTooLarge: exactBody(errors.headersTooLarge).meta({ id: `${prefix}HeaderFieldsTooLarge` }),
    tooManyRequests: exactBody(errors.tooManyRequests).meta({ id: `${prefix}TooManyRequests` }),
  };
}

/** One schema instance per component (zod-openapi refuses two schemas under one id). */
const EDGE = { insights: edgeSchemas("insights"), users: edgeSchemas("users"), dashboard: edgeSchemas("dashboard") };

/** API Gateway's own answers (infra/api.ts): one body per API, holding every family's keys (familyErrors.ts). */
const gatewayTooManyRequests = exactBody(gatewayBodies.tooManyRequests).meta({ id: "GatewayTooManyRequests" });
const gatewayUnauthorized = exactBody(gatewayBodies.unauthorized).meta({ id: "GatewayUnauthorized" });

/** The family's 401 body, or API Gateway's when the request lacks the credential headers (the authorizer's). */
export function unauthorizedBody(familyBody: z.ZodType): z.ZodType {
  return z.union([familyBody, gatewayUnauthorized]);
}

/** The `Retry-After` header of every 429 (added to the built document: lib/openapi/document.ts). */
export const RETRY_AFTER_HEADER = {
  required: true,
  description: "Seconds to wait before sending again.",
  schema: { type: "integer", minimum: 0 },
} as const;

/**
 * The answers a route gets around its handler's own, in its family's format: 405 for another method of its path
 * (methods are case-sensitive), 429 over the request limits (with `Retry-After`; `tenantLimited`: counted against
 * its tenant's limits, which every route but discovery's is), 431 for headers over the limit. The one body route,
 * ingestion, documents its own 413.
 */
export function edgeResponses(family: Family, tenantLimited = family !== "docs") {
  const edge = EDGE[formatOf(family)];
  return {
    405: jsonResponse(
      "A method this path does not serve (methods are case-sensitive: `Get` is not GET).",
      edge.methodNotAllowed,
    ),
    429: jsonResponse(
      tenantLimited
        ? "Over the environment's request limits (its own, else the defaults), or over the whole API's: retry after " +
            "`Retry-After` seconds. In the family's format from the handlers' gate, API Gateway's body (every " +
            "family's keys) from its usage plans."
        : "Over the whole API's request limits (API Gateway's stage throttle): retry after `Retry-After` seconds.",
      tenantLimited ? z.union([edge.tooManyRequests, gatewayTooManyRequests]) : gatewayTooManyRequests,
    ),
    431: jsonResponse(
      "Request headers over the limit (the local server: Node's 16 KiB in all; API Gateway allows 10 KiB).",
      edge.headersTooLarge,
    ),
  };
}
