import * as z from "zod";
import { parseIsoInstant } from "./instant.js";

/**
 * The engagement-dashboard parameters and bodies (CONTRACT §4, exact) as zod schemas: the routes parse `start` and
 * `end` with them (lib/dashboard/request.ts) and the OpenAPI document (lib/openapi/) renders all of them.
 */

const instant = (field: "start" | "end") =>
  z
    .string()
    .refine((value) => parseIsoInstant(value) !== undefined)
    .transform((value) => parseIsoInstant(value) as number)
    .meta({
      description: `ISO 8601 instant with a zone; the period runs from \`start\`'s UTC day through \`end\`'s, inclusive (${field}).`,
      example: field === "start" ? "2023-10-05T14:48:00.000Z" : "2023-10-31T23:59:59.999Z",
    });

/** Fields in the order they are checked: the first bad one is the one reported. */
export const periodQuerySchema = z.object({ start: instant("start"), end: instant("end") });

/** The chat-busier routes' one parameter: the instant their 24 hours / 8 days end at. */
export const startQuerySchema = z.object({
  start: z
    .string()
    .refine((value) => parseIsoInstant(value) !== undefined)
    .transform((value) => parseIsoInstant(value) as number)
    .meta({
      description:
        "ISO 8601 instant with a zone: hourly-data covers the 24 hours before it, weekly-data the UTC days from its day minus 7 through its day.",
      example: "2023-10-05T14:48:00.000Z",
    }),
});

const calendarParts = { day: z.int().min(1).max(31), month: z.int().min(1).max(12), year: z.int() };

export const usersByTimeOfDayBodySchema = z
  .object({
    week: z.array(z.object({ users: z.int().min(1), hour: z.int().min(0).max(23), ...calendarParts })),
    success: z.literal(true),
  })
  .meta({
    description:
      "One entry per UTC clock hour from `start`'s through `end`'s with at least one active user (its distinct active users), oldest first.",
    example: { week: [{ users: 3, hour: 14, day: 5, month: 10, year: 2023 }], success: true },
  });

export const hourlyDataBodySchema = z
  .object({
    hours: z.array(z.object({ users: z.int().min(0), hour: z.int().min(0).max(22) })),
    success: z.literal(true),
  })
  .meta({
    description:
      "The 24 hours before `start` in 12 groups of two clock hours by UTC hour of day (`hour` 0, 2, …, 22: hours h and h+1), all 12, hour ascending; `users` = distinct users active in the group's hours within those 24 hours.",
    example: { hours: [{ users: 2, hour: 0 }], success: true },
  });

export const weeklyDataBodySchema = z
  .object({
    month: z.array(z.object({ users: z.int().min(0), ...calendarParts })),
    success: z.literal(true),
  })
  .meta({
    description:
      "Every UTC day from the day of `start` − 7 days through `start`'s day (8 days), oldest first, zeros included: its distinct active users.",
    example: { month: [{ users: 5, day: 5, month: 10, year: 2023 }], success: true },
  });

export const activeUsersBodySchema = z
  .object({
    month: z.array(
      z.object({
        usersList: z.array(z.string()),
        users: z.int().min(1),
        day: z.int().min(1).max(31),
        month: z.int().min(1).max(12),
        year: z.int(),
      }),
    ),
    success: z.literal(true),
  })
  .meta({
    description: "One entry per day with active users, newest first.",
    example: { month: [{ usersList: ["u-42", "u-7"], users: 2, day: 5, month: 5, year: 2023 }], success: true },
  });

const countAndVariation = z.object({ count: z.int().min(0), variation: z.int() });

export const newUsersBodySchema = z
  .object({
    days: z.array(z.object({ day: z.string(), users: z.int().min(1) })),
    period: countAndVariation,
    yesterday: countAndVariation,
    success: z.literal(true),
  })
  .meta({
    description: "Sign-ups per day with any (newest first), the period's count and variation, and yesterday's.",
    example: {
      days: [{ day: "2023-05-23T00:00:00.000Z", users: 2 }],
      period: { count: 2, variation: 1 },
      yesterday: { count: 0, variation: 2 },
      success: true,
    },
  });

export const notLoggedInSchema = z
  .object({ status: z.literal("error"), message: z.literal("You must be logged in to do this.") })
  .meta({ id: "DashboardUnauthorized" });

export const lacksPermissionSchema = z
  .object({
    success: z.literal(false),
    error: z.literal("User does not have the permissions required for this action [error-unauthorized]"),
  })
  .meta({ id: "DashboardForbidden" });

export const invalidFieldSchema = z
  .object({
    success: z.literal(false),
    error: z.enum([
      "Match error: Failed Match.Where validation in field start",
      "Match error: Failed Match.Where validation in field end",
    ]),
  })
  .meta({ id: "DashboardInvalidField" });
