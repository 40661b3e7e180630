import * as z from "zod";
import { queryInteger } from "../http/params.js";
import { ID_JSON_SCHEMA, ID_RULE_TEXT, idProblem } from "../validation/ids.js";

/**
 * The users family's parameters and bodies (CONTRACT §5) as zod schemas: the handlers parse their parameters with
 * them (lib/users/params.ts) and the OpenAPI document (lib/openapi/) renders all of them.
 */

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;
export const MAX_DAYS = 366;

const limitMessage = `Invalid limit: must be an integer from 1 to ${MAX_LIMIT}`;
/** A cursor names a user, so it follows the id rule; the message does not echo an id that may be kilobytes long. */
const cursor = (name: "after" | "before", other: string) =>
  z
    .string()
    .check((ctx) => {
      const problem = idProblem(ctx.value);
      if (problem)
        ctx.issues.push({
          code: "custom",
          input: ctx.value,
          message: `Invalid ${name}: must be a user id (${problem})`,
        });
    })
    .meta({ override: ({ jsonSchema }) => Object.assign(jsonSchema, ID_JSON_SCHEMA) })
    .optional()
    .meta({
      description: `A user id (${ID_RULE_TEXT}): the page of users signed up just ${name} it (not with \`${other}\`); unknown, deleted or not an id: 400.`,
    });

export const listUsersQuerySchema = z
  .object({
    limit: queryInteger({ min: 1, max: MAX_LIMIT, message: limitMessage })
      .optional()
      .meta({ description: `Users per page (default ${DEFAULT_LIMIT}).`, example: 25 }),
    after: cursor("after", "before"),
    before: cursor("before", "after"),
  })
  .refine((q) => q.after === undefined || q.before === undefined, {
    error: "Invalid after/before: give at most one of after and before",
  });

export const userPathSchema = z.object({
  userId: z
    .string()
    .min(1)
    .meta({
      description: `The user's id (\`user_id\` of its events): ${ID_RULE_TEXT}; any other is no user (404).`,
      example: "u-42",
      override: ({ jsonSchema }) => Object.assign(jsonSchema, ID_JSON_SCHEMA),
    }),
});

export const activeUsersQuerySchema = z.object({
  days: queryInteger({ min: 1, max: MAX_DAYS, message: `Invalid days: must be an integer from 1 to ${MAX_DAYS}` })
    .optional()
    .meta({
      description: "Count only the users active in the last N days (default: every existing user).",
      example: 7,
    }),
});

const nullableText = z.string().nullable();

export const userObjectSchema = z
  .object({
    _id: z.string(),
    username: nullableText,
    email: nullableText,
    first_name: nullableText,
    last_name: nullableText,
    profile: z.record(z.string(), z.unknown()),
    _createdOn: z.string(),
    _lastModifiedOn: z.string(),
  })
  .meta({
    id: "User",
    description: "A current user; unknown strings are null, profile {} when none was sent.",
    example: {
      _id: "u-42",
      username: "ada",
      email: "ada@example.com",
      first_name: "Ada",
      last_name: "Lovelace",
      profile: { plan: "pro" },
      _createdOn: "2026-09-01T10:00:00.000Z",
      _lastModifiedOn: "2026-09-02T08:30:00.000Z",
    },
  });

export const listUsersResponseSchema = z.object({
  status: z.literal("ok"),
  data: z.array(userObjectSchema),
  pagination: z.object({
    hasPrevious: z.boolean(),
    hasNext: z.boolean(),
    next: z.string().optional().meta({ description: "Query string of the next page, only when hasNext." }),
    previous: z.string().optional().meta({ description: "Query string of the previous page, only when hasPrevious." }),
  }),
});

export const getUserResponseSchema = z.object({ status: z.literal("ok"), data: z.array(userObjectSchema) });

export const activeUsersResponseSchema = z.object({
  status: z.literal("ok"),
  data: z.object({ activeUsers: z.int().min(0) }),
});

export const usersErrorSchema = z.object({ status: z.literal("error"), message: z.string() }).meta({
  id: "UsersError",
  example: { status: "error", message: "Invalid limit: must be an integer from 1 to 1000" },
});
