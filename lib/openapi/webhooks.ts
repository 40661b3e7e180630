import * as z from "zod";
import type { ZodOpenApiPathItemObject } from "zod-openapi";
import { orgRowSchema, userRowSchema } from "../insights/schemas.js";
import { REPORTS } from "../reports/definitions.js";

/**
 * The OpenAPI 3.1 `webhooks` section (CONTRACT §12): what a receiver gets. The payload's type is the document's
 * `ReportEnteredEvent` (the SDK's type of it comes from here), and its Standard Webhooks headers are described as
 * the request's header parameters. lib/webhooks/dispatch.ts builds the payload.
 */

const unixSeconds = z.int().min(0);

export const reportEnteredEventSchema = z
  .object({
    type: z.literal("report.entered"),
    report: z.enum(REPORTS.map((r) => r.name) as [string, ...string[]]),
    report_interval: z
      .string()
      .meta({ description: "The interval, as the report route spells it (e.g. `7`, `Weekly`)." }),
    report_time: unixSeconds.meta({ description: "Unix seconds of the new snapshot's instant T." }),
    previous_report_time: unixSeconds.meta({ description: "Unix seconds of the snapshot it was compared with." }),
    rows: z
      .array(z.union([userRowSchema, orgRowSchema]))
      .max(100)
      .meta({
        description:
          "The users (user_report/…) or orgs (org_report/…) in the new snapshot's report × interval and not in the " +
          "previous one, as the report route returns them, in rank order; ≤ 100 a delivery.",
      }),
  })
  .meta({
    id: "ReportEnteredEvent",
    example: {
      type: "report.entered",
      report: "user_report/churn",
      report_interval: "7",
      report_time: 1763892000,
      previous_report_time: 1763888400,
      rows: [
        {
          id: "1763892000-abc-churn-7-0",
          report_id: "1763892000-abc",
          user_id: "u-42",
          user_created_at: 1756720800,
          username: "ada",
          first_name: "Ada",
          last_name: "Lovelace",
          email: "ada@example.com",
          last_active_at: 1763200000,
          org_data: [],
        },
      ],
    },
  });

const header = (name: string, description: string) => ({
  in: "header" as const,
  name,
  required: true,
  description,
  schema: { type: "string" as const },
});

export const webhooks: Record<string, ZodOpenApiPathItemObject> = {
  "report.entered": {
    post: {
      summary: "Rows entered a report",
      description:
        "After a refresh, the rows new in each report × interval a webhook subscribes to (`npm run admin -- webhook " +
        "add`), ≤ 100 a request, signed per the Standard Webhooks specification with the webhook's `whsec_` secret " +
        "(verify with the SDK's `verifyWebhook`). At least once: a retry (any non-2xx or no answer within 10 s; " +
        "with backoff for 24 h) carries the same `webhook-id`, so receivers dedupe on it. An environment's first " +
        "snapshot sends nothing.",
      parameters: [
        header("webhook-id", "The delivery's id (`msg_…`): the same on every retry."),
        header("webhook-timestamp", "Unix seconds when this attempt was signed."),
        header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the secret."),
      ],
      requestBody: { required: true, content: { "application/json": { schema: reportEnteredEventSchema } } },
      responses: {
        "2XX": { description: "Received; any other answer (or none in 10 s) is retried." },
      },
    },
  },
};
