import * as z from "zod";
import { caseInsensitiveEnum } from "../http/params.js";
import { CURVE_CADENCES, CURVE_ENTITIES, STICKINESS_INTERVALS } from "../reports/curves.js";

/**
 * Parameters and bodies of retention, lifecycle and stickiness (CONTRACT §10, insights family): the routes parse
 * with these schemas and the OpenAPI document renders them. An issue's message is the 400 `invalid_request` one.
 */

const entity = caseInsensitiveEnum(CURVE_ENTITIES, `entity must be one of: ${CURVE_ENTITIES.join(", ")}`, true)
  .optional()
  .meta({ description: "Whose activity: users (default) or orgs.", example: "users" });

const cadence = caseInsensitiveEnum(
  CURVE_CADENCES,
  `cadence must be one of: ${CURVE_CADENCES.join(", ")} (any letter case)`,
  true,
)
  .optional()
  .meta({
    description: "Buckets: 30 UTC days (Daily, default), 12 ISO weeks or 12 months, ending with the one holding T.",
    example: "Weekly",
  });

export const curveQuerySchema = z.object({ entity, cadence });

export const stickinessQuerySchema = z.object({
  entity,
  report_interval: caseInsensitiveEnum(
    STICKINESS_INTERVALS,
    `report_interval must be one of: ${STICKINESS_INTERVALS.join(", ")}`,
    true,
  ).meta({ description: "Window length in days: [T − N·24h, T).", example: "30" }),
});

const count = z.int().min(0);
const reportTime = z.int().min(0).meta({ description: "Unix seconds of the snapshot's instant T." });
const day = z
  .string()
  .meta({ description: "The bucket's first day (YYYY-MM-DD): a Monday for weeks, the 1st for months." });

export const retentionBodySchema = z
  .object({
    entity: z.enum(CURVE_ENTITIES),
    cadence: z.enum(CURVE_CADENCES),
    report_time: reportTime,
    cohorts: z.array(
      z.object({
        cohort: day,
        size: count.meta({ description: "Entities created in the cohort's bucket." }),
        retained: z.array(count).meta({
          description: "retained[k]: of them, those active in the k-th bucket from the cohort's (k = 0: size).",
        }),
      }),
    ),
  })
  .meta({
    id: "Retention",
    example: {
      entity: "users",
      cadence: "Weekly",
      report_time: 1764892800,
      cohorts: [{ cohort: "2026-09-07", size: 40, retained: [40, 22, 18] }],
    },
  });

export const lifecycleBodySchema = z
  .object({
    entity: z.enum(CURVE_ENTITIES),
    cadence: z.enum(CURVE_CADENCES),
    report_time: reportTime,
    buckets: z.array(z.object({ date: day, new: count, returning: count, resurrecting: count, dormant: count })),
  })
  .meta({
    id: "Lifecycle",
    example: {
      entity: "users",
      cadence: "Weekly",
      report_time: 1764892800,
      buckets: [{ date: "2026-11-30", new: 3, returning: 10, resurrecting: 2, dormant: 4 }],
    },
  });

export const stickinessBodySchema = z
  .object({
    entity: z.enum(CURVE_ENTITIES),
    report_interval: z.union([z.literal(7), z.literal(30)]),
    report_time: reportTime,
    active: count.meta({ description: "Entities existing at T active in the window (the sum of the counts)." }),
    days: z.array(z.object({ active_days: z.int().min(1), count })),
  })
  .meta({
    id: "Stickiness",
    example: {
      entity: "users",
      report_interval: 7,
      report_time: 1764892800,
      active: 124,
      days: [
        { active_days: 1, count: 120 },
        { active_days: 2, count: 4 },
      ],
    },
  });
