/**
 * Every documented route (CONTRACT §2, §4–§6, §9), grouped by the family that serves it: one Lambda per family.
 * The CDK stack creates an API Gateway method per entry, the local server matches requests against the same list,
 * and each family handler dispatches on the `resource` template, exactly as API Gateway hands it over.
 */

/** Segment's tracking routes (CONTRACT §11): the batch, then one per message type. */
export const SEGMENT_ROUTES = [
  "/v1/batch",
  "/v1/identify",
  "/v1/track",
  "/v1/group",
  "/v1/page",
  "/v1/screen",
  "/v1/alias",
] as const;

export type Family = "ingest" | "dashboard" | "users" | "insights" | "docs";

export interface Route {
  family: Family;
  method: "GET" | "POST";
  /** API Gateway resource template. */
  resource: string;
}

export const routes: Route[] = [
  { family: "ingest", method: "POST", resource: "/api/backend/v1/events" },
  // Segment's HTTP tracking API (CONTRACT §11), on the ingestion Lambda; outside every family prefix, as Segment's
  // libraries append these paths to their `host`.
  ...SEGMENT_ROUTES.map((resource) => ({ family: "ingest" as const, method: "POST" as const, resource })),
  { family: "dashboard", method: "GET", resource: "/api/v1/engagement-dashboard/users/active-users" },
  { family: "dashboard", method: "GET", resource: "/api/v1/engagement-dashboard/users/new-users" },
  ...["users-by-time-of-the-day-in-a-week", "chat-busier/hourly-data", "chat-busier/weekly-data"].map((path) => ({
    family: "dashboard" as const,
    method: "GET" as const,
    resource: `/api/v1/engagement-dashboard/users/${path}`,
  })),
  { family: "users", method: "GET", resource: "/api/v2/users" },
  { family: "users", method: "GET", resource: "/api/v2/users/{userId}" },
  { family: "users", method: "GET", resource: "/api/v2/usage-statistics/active-users" },
  { family: "insights", method: "GET", resource: "/api/backend/v1/user/{userId}/signup_query_parameters" },
  ...[
    "user_report/top_inviter",
    "user_report/champion",
    "user_report/reengagement",
    "user_report/churn",
    "org_report/reengagement",
    "org_report/churn",
    "org_report/growth",
    "org_report/attrition",
  ].map((report) => ({ family: "insights" as const, method: "GET" as const, resource: `/api/backend/v1/${report}` })),
  { family: "insights", method: "GET", resource: "/api/backend/v1/chart_metric/{chartMetric}" },
  { family: "insights", method: "GET", resource: "/api/backend/v1/chart_metrics/{chartMetric}" },
  // CONTRACT §10: served from the snapshot like the reports.
  { family: "insights", method: "GET", resource: "/api/backend/v1/retention" },
  { family: "insights", method: "GET", resource: "/api/backend/v1/lifecycle" },
  { family: "insights", method: "GET", resource: "/api/backend/v1/stickiness" },
  // Discovery (CONTRACT §9): the OpenAPI document and its interactive reference, no credentials needed.
  { family: "docs", method: "GET", resource: "/openapi.json" },
  { family: "docs", method: "GET", resource: "/docs" },
  { family: "docs", method: "GET", resource: "/docs/api-reference.js" },
];

/**
 * Catch-all resources (`{proxy+}`) under each family's prefix, so unknown paths are answered by the family's
 * handler in its own error format (CONTRACT §8) instead of API Gateway's default body.
 */
export const familyPrefixes: { family: Family; prefix: string }[] = [
  { family: "dashboard", prefix: "/api/v1/engagement-dashboard" },
  { family: "users", prefix: "/api/v2" },
  { family: "insights", prefix: "/api/backend/v1" },
];

export const PROXY_SUFFIX = "/{proxy+}";

function templateToRegExp(resource: string): RegExp {
  const pattern = resource
    .split("/")
    .map((part) => (/^\{[A-Za-z]+\}$/.test(part) ? "([^/]+)" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${pattern}/?$`);
}

const compiled = routes.map((route) => ({
  route,
  regexp: templateToRegExp(route.resource),
  names: [...route.resource.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] as string),
}));

export interface RouteMatch {
  family: Family;
  /** The resource template API Gateway would report (a `{proxy+}` one when no route matches). */
  resource: string;
  pathParameters: Record<string, string>;
}

/** A percent-decoded path segment; undefined when it is malformed (`%zz`, a cut `%E2%82`, an encoded lone surrogate). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * What API Gateway does with a path: which resource (and so which family's Lambda) receives it. A parameter that
 * can't be percent-decoded names nothing, so the path falls to its family's catch-all: the family's 404.
 */
export function matchPath(path: string): RouteMatch | undefined {
  for (const { route, regexp, names } of compiled) {
    const found = regexp.exec(path);
    if (!found) continue;
    const decoded = names.map((_, i) => decodeSegment(found[i + 1] as string));
    if (decoded.some((value) => value === undefined)) break;
    const pathParameters = Object.fromEntries(names.map((name, i) => [name, decoded[i] as string]));
    return { family: route.family, resource: route.resource, pathParameters };
  }
  const family = familyPrefixes.find(({ prefix }) => path.startsWith(`${prefix}/`));
  if (!family) return undefined;
  return {
    family: family.family,
    resource: `${family.prefix}${PROXY_SUFFIX}`,
    pathParameters: { proxy: path.slice(family.prefix.length + 1) },
  };
}

/** The documented methods of a resource template (empty for catch-alls). */
export function methodsOf(resource: string): string[] {
  return routes.filter((r) => r.resource === resource).map((r) => r.method);
}
