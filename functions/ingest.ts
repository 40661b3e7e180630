import { withDeadline } from "../lib/http/deadline.js";
import type { HttpRequest } from "../lib/http/types.js";
import { ingestRoute } from "../lib/ingest/ingestRoute.js";
import type { SegmentType } from "../lib/segment/mapMessage.js";
import { segmentRoute } from "../lib/segment/segmentRoute.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { erasureQueueFromEnv } from "./shared/erasureQueue.js";
import { httpHandler } from "./shared/httpHandler.js";

// Past its deadline a request starts no more writes (lib/http/deadline.ts): its batch stays pending for the retry.
const store = (request: HttpRequest) => withDeadline(storeFromEnv(), request.signal);

const segment = (type: SegmentType | undefined) => (request: HttpRequest) =>
  segmentRoute(store(request), request, type);

/**
 * The ingestion family: native events (CONTRACT §2; `user.erased` queues its erasure job, ERASURE_QUEUE_URL) and
 * Segment's tracking API (§11).
 */
export const handler = httpHandler("ingest", {
  "POST /api/backend/v1/events": (request) => ingestRoute(store(request), request, erasureQueueFromEnv()),
  "POST /v1/batch": segment(undefined),
  "POST /v1/identify": segment("identify"),
  "POST /v1/track": segment("track"),
  "POST /v1/group": segment("group"),
  "POST /v1/page": segment("page"),
  "POST /v1/screen": segment("screen"),
  "POST /v1/alias": segment("alias"),
});
