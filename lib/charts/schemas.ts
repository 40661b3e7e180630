import * as z from "zod";
import { caseInsensitiveEnum } from "../http/params.js";
import { parseIso8601 } from "../iso8601.js";
import type { ActivityMetric } from "../storage/tableDesign.js";
import { dayOf } from "../time.js";

/**
 * The chart route's parameters and body (CONTRACT §6) as zod schemas: lib/charts/chartQuery.ts parses the request
 * with them and the OpenAPI document (lib/openapi/) renders them. An issue's message is the `message` of the
 * family's 400 `invalid_request`.
 */

export const CHART_METRICS = [
  "signups",
  "orgs_created",
  "active_users",
  "active_orgs",
] as const satisfies readonly ActivityMetric[];
export type ChartMetric = (typeof CHART_METRICS)[number];

export const CHART_TYPES: Record<ChartMetric, string> = {
  signups: "Signups",
  orgs_created: "OrgsCreated",
  active_users: "ActiveUsers",
  active_orgs: "ActiveOrgs",
};

export const CHART_CADENCES = ["Daily", "Weekly", "Monthly"] as const;
export type ChartCadence = (typeof CHART_CADENCES)[number];

/** Nothing can be stored before 1970 (ingestion refuses such instants), so earlier dates are refused too. */
const EARLIEST_DAY = "1970-01-01";

/** The UTC day (`YYYY-MM-DD`) of a `YYYY-MM-DD` date or an ISO 8601 instant; undefined when it is neither. */
export function utcDayOf(value: string): string | undefined {
  const ms = parseIso8601(value);
  if (ms === undefined) return undefined;
  // An offset can move the UTC day outside the 4-digit years the answer's dates are written in.
  const utcDay = dayOf(ms);
  return /^\d{4}-/.test(utcDay) && utcDay >= EARLIEST_DAY ? utcDay : undefined;
}

export const cadenceSchema = caseInsensitiveEnum(
  CHART_CADENCES,
  `cadence must be one of ${CHART_CADENCES.join(", ")} (any letter case)`,
);

export const chartPathSchema = z.object({
  chartMetric: z.enum(CHART_METRICS, { error: `chartMetric must be one of ${CHART_METRICS.join(", ")}` }),
});

const chartDay = (name: "start_date" | "end_date", fallback: string) =>
  z
    .string()
    .transform((value, ctx) => {
      const day = utcDayOf(value);
      if (day === undefined) {
        ctx.issues.push({
          code: "custom",
          input: value,
          message: `${name} must be a date YYYY-MM-DD or an ISO 8601 instant (UTC day from 1970-01-01 to 9999-12-31)`,
        });
      }
      return day as string;
    })
    .optional()
    .meta({
      description: `\`YYYY-MM-DD\` or an ISO 8601 instant (its UTC date counts); default ${fallback}.`,
      example: name === "start_date" ? "2026-09-01" : "2026-11-23",
    });

export const chartQuerySchema = z.object({
  cadence: cadenceSchema
    .optional()
    .meta({ description: "Bucket size (default Daily; any letter case).", example: "Weekly" }),
  start_date: chartDay("start_date", "30 days before end_date"),
  end_date: chartDay("end_date", "today (UTC)"),
});

export const chartBodySchema = z
  .object({
    chart_type: z.enum(Object.values(CHART_TYPES) as [string, ...string[]]),
    cadence: z.enum(CHART_CADENCES),
    metrics: z.array(z.object({ date: z.string(), result: z.int().min(0), cadence_completed: z.boolean() })),
  })
  .meta({
    id: "ChartMetricData",
    example: {
      chart_type: "Signups",
      cadence: "Daily",
      metrics: [{ date: "2026-01-01", result: 10, cadence_completed: true }],
    },
  });
