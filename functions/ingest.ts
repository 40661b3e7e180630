import { withDeadline } from "../lib/http/deadline.js";
import { ingestRoute } from "../lib/ingest/ingestRoute.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { httpHandler } from "./shared/httpHandler.js";

/** The ingestion family (CONTRACT §2). */
export const handler = httpHandler("ingest", {
  // Past its deadline a request starts no more writes (lib/http/deadline.ts): its batch stays pending for the retry.
  "POST /api/backend/v1/events": (request) => ingestRoute(withDeadline(storeFromEnv(), request.signal), request),
});
