import type { HttpRequest } from "../lib/http/types.js";
import { ingestRoute } from "../lib/ingest/ingestRoute.js";
import type { SegmentType } from "../lib/segment/mapMessage.js";
import { segmentRoute } from "../lib/segment/segmentRoute.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { httpHandler } from "./shared/httpHandler.js";

const segment = (type: SegmentType | undefined) => (request: HttpRequest) =>
  segmentRoute(storeFromEnv(), request, type);

/** The ingestion family: native events (CONTRACT §2) and Segment's tracking API (§11). */
export const handler = httpHandler("ingest", {
  "POST /api/backend/v1/events": (request) => ingestRoute(storeFromEnv(), request),
  "POST /v1/batch": segment(undefined),
  "POST /v1/identify": segment("identify"),
  "POST /v1/track": segment("track"),
  "POST /v1/group": segment("group"),
  "POST /v1/page": segment("page"),
  "POST /v1/screen": segment("screen"),
  "POST /v1/alias": segment("alias"),
});
