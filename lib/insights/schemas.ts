import * as z from "zod";
import { caseInsensitiveEnum, queryInteger } from "../http/params.js";
import type { ReportDefinition } from "../reports/definitions.js";
import { ID_JSON_SCHEMA, ID_RULE_TEXT } from "../validation/ids.js";

/**
 * The user and org insights parameters and bodies (CONTRACT §6, exact) as zod schemas: the report routes
 * parse their parameters with them and the OpenAPI document (lib/openapi/) renders all of them. An issue's message
 * is the `message` of the family's 400 `invalid_request`.
 */

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 10;
/** Keeps page_number × page_size an exact integer; any page past the end is simply empty. */
export const MAX_PAGE_NUMBER = Math.floor(Number.MAX_SAFE_INTEGER / MAX_PAGE_SIZE);

const REPORT_INTERVAL_HELP: Record<string, string> = {
  "30": "window length in days",
  Weekly: "periods of 7 days (any letter case)",
  "7": "days without activity",
};

/** The query of one report route: its own `report_interval` values. */
export function reportQuerySchema(definition: ReportDefinition) {
  const allowed = definition.intervals;
  return z.object({
    report_interval: caseInsensitiveEnum(allowed, `report_interval must be one of: ${allowed.join(", ")}`, true).meta({
      description: `Which snapshot: ${allowed.join(", ")} (${REPORT_INTERVAL_HELP[allowed[0] as string] ?? ""}).`,
      example: allowed[0],
    }),
    page_size: queryInteger({
      min: 1,
      max: MAX_PAGE_SIZE,
      message: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`,
      pattern: /^\s*\d{1,15}\s*$/,
    })
      .optional()
      .meta({ description: `Rows per page (default ${DEFAULT_PAGE_SIZE}).`, example: 10 }),
    page_number: queryInteger({
      min: 0,
      max: MAX_PAGE_NUMBER,
      message: "page_number must be an integer ≥ 0",
      pattern: /^\s*\d{1,15}\s*$/,
    })
      .optional()
      .meta({ description: "0-based page (default 0).", example: 0 }),
  });
}

export const userPathSchema = z.object({
  userId: z.string().meta({
    description: `The user's id (\`user_id\` of its events): ${ID_RULE_TEXT}; any other is no user (404).`,
    example: "u-42",
    override: ({ jsonSchema }) => Object.assign(jsonSchema, ID_JSON_SCHEMA),
  }),
});

const unixSeconds = z.int().min(0).meta({ description: "Unix seconds." });
const nullableText = z.string().nullable();
const extraProperties = z.record(z.string(), z.number());

export const userRowSchema = z
  .object({
    id: z.string(),
    report_id: z.string(),
    user_id: z.string(),
    user_created_at: unixSeconds,
    username: nullableText,
    first_name: nullableText,
    last_name: nullableText,
    email: nullableText,
    last_active_at: unixSeconds,
    org_data: z.array(z.object({ display_name: nullableText, org_id: z.string(), user_role: nullableText })),
    extra_properties: extraProperties.optional(),
  })
  .meta({
    id: "UserReportRow",
    example: {
      id: "01JD2W6R8C-champion-30-0",
      report_id: "01JD2W6R8C",
      user_id: "u-42",
      user_created_at: 1756720800,
      username: "ada",
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@example.com",
      last_active_at: 1763890000,
      org_data: [{ display_name: "Acme", org_id: "o-1", user_role: "Admin" }],
      extra_properties: { num_active_days: 21 },
    },
  });

export const orgRowSchema = z
  .object({
    id: z.string(),
    report_id: z.string(),
    org_id: z.string(),
    name: nullableText,
    num_users: z.int().min(0),
    org_created_at: unixSeconds,
    extra_properties: extraProperties.optional(),
  })
  .meta({
    id: "OrgReportRow",
    example: {
      id: "01JD2W6R8C-growth-30-0",
      report_id: "01JD2W6R8C",
      org_id: "o-1",
      name: "Acme",
      num_users: 12,
      org_created_at: 1756720800,
      extra_properties: { num_users_added: 3, num_users_removed: 1 },
    },
  });

const page = {
  current_page: z.int().min(0),
  total_count: z.int().min(0),
  page_size: z.int().min(1),
  has_more_results: z.boolean(),
  report_time: unixSeconds.meta({ description: "Unix seconds of the snapshot's instant T." }),
};

export const userReportSchema = z.object({ user_reports: z.array(userRowSchema), ...page }).meta({ id: "UserReport" });
export const orgReportSchema = z.object({ org_reports: z.array(orgRowSchema), ...page }).meta({ id: "OrgReport" });

export const signupParametersSchema = z
  .object({ user_signup_query_parameters: z.record(z.string(), z.string()) })
  .meta({ example: { user_signup_query_parameters: { utm_source: "newsletter" } } });

export const invalidRequestSchema = z.object({ error: z.literal("invalid_request"), message: z.string() }).meta({
  id: "InvalidRequest",
  example: { error: "invalid_request", message: "report_interval must be one of: 30, 60, 90" },
});
