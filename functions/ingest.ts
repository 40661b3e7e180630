import { withDeadline } from "../lib/http/deadline.js";
import { ingestRoute } from "../lib/ingest/ingestRoute.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { erasureQueueFromEnv } from "./shared/erasureQueue.js";
import { httpHandler } from "./shared/httpHandler.js";

/** The ingestion family (CONTRACT §2); `user.erased` queues its erasure job (ERASURE_QUEUE_URL). */
export const handler = httpHandler("ingest", {
  // Past its deadline a request starts no more writes (lib/http/deadline.ts): its batch stays pending for the retry.
  "POST /api/backend/v1/events": (request) =>
    ingestRoute(withDeadline(storeFromEnv(), request.signal), request, erasureQueueFromEnv()),
});
