import * as z from "zod";
import { SEGMENT_MAX_BATCH_BYTES, SEGMENT_MAX_MESSAGE_BYTES } from "../segment/segmentRoute.js";

/**
 * Segment's tracking API (CONTRACT §11) for the document: the message and batch bodies as Segment's libraries send
 * them (lib/segment/mapMessage.ts reads them; what it reads is described, the rest passes through unread) and
 * Segment's answers.
 */

const id = z.union([z.string(), z.number()]);

export const segmentMessageSchema = z
  .looseObject({
    type: z
      .enum(["identify", "track", "page", "screen", "group", "alias"])
      .optional()
      .meta({ description: "Required in a batch; a single-message route takes its type from the path." }),
    userId: id.optional().meta({ description: "The user; a message without it (anonymous only) is ignored." }),
    anonymousId: id.optional(),
    messageId: z.string().optional().meta({ description: "The event_id: the message counts once (CONTRACT §2)." }),
    timestamp: z.string().optional().meta({ description: "When it happened (else sentAt, else receipt)." }),
    sentAt: z.string().optional(),
    event: z.string().optional().meta({
      description: "track: `Invite Sent`, `Account Added User`, `Account Removed User` mean more than activity.",
    }),
    groupId: id.optional().meta({ description: "group: the org." }),
    traits: z.record(z.string(), z.unknown()).optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({
    id: "SegmentMessage",
    description: `At most ${SEGMENT_MAX_MESSAGE_BYTES / 1024} KB serialized.`,
    example: {
      type: "track",
      userId: "u-42",
      event: "Invite Sent",
      properties: { invitee_email: "grace@example.com" },
      context: { groupId: "acme" },
      messageId: "m-1",
      timestamp: "2026-11-23T10:00:00Z",
    },
  });

const writeKey = z.string().optional().meta({ description: "The API key (with ingest), when not sent as Basic auth." });

export const segmentBatchSchema = z
  .looseObject({ batch: z.array(segmentMessageSchema), writeKey, sentAt: z.string().optional() })
  .meta({ id: "SegmentBatch", description: `At most ${SEGMENT_MAX_BATCH_BYTES / 1024} KB.` });

export const segmentSingleSchema = segmentMessageSchema.extend({ writeKey });

export const segmentSuccessSchema = z.object({ success: z.literal(true) }).meta({ id: "SegmentSuccess" });
export const segmentFailureSchema = z.object({ success: z.literal(false), message: z.string() }).meta({
  id: "SegmentFailure",
  example: { success: false, message: "batch[2].traits.email must be a string or null" },
});
