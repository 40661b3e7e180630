import { ingestRoute } from "../lib/ingest/ingestRoute.js";
import { storeFromEnv } from "../lib/storage/client.js";
import { httpHandler } from "./shared/httpHandler.js";

/** The ingestion family (CONTRACT §2). */
export const handler = httpHandler("ingest", {
  "POST /api/backend/v1/events": (request) => ingestRoute(storeFromEnv(), request),
});
