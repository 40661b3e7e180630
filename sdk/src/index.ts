/**
 * @engagement-insights/sdk: a batching ingestion client whose retries never double-count and a typed read client.
 * ESM, no dependency beyond the platform's fetch (Node 20+, browsers, edge runtimes).
 *
 * | module | owns | cost |
 * |---|---|---|
 * | ingestion.ts | queue, batches (≤ 1,000 events, ≤ 1 MiB), retries, onError reports | one request per batch, one in flight |
 * | read.ts | §4–§6 methods, camelCase results, users.list over cursors, users.page one page | one request per call (per page for users.list), + retries |
 * | retry.ts | both clients' retries: what each sends again, Retry-After + jittered backoff, abort | |
 * | types.ts, generated/ | request and response types, from ../openapi.json by openapi-typescript | types only |
 * | http.ts, errors.ts | one request with a timeout; a typed error per status | |
 * | retryAfter.ts | the server's Retry-After (seconds or HTTP-date) as seconds | |
 * | uuidv7.ts | event ids: time-ordered, random (crypto.getRandomValues) | |
 * | webhooks.ts | verifyWebhook: a signed `report.entered` delivery checked (Standard Webhooks, WebCrypto), typed | one HMAC |
 *
 * Why: event ids are set when an event is queued, not when it is sent, so every retry of a batch (after a dropped
 * answer, a 503, a timeout) carries the same ids and the server counts each event once. Batches go one at a time
 * because the server applies events in the order it receives them.
 */
export {
  ApiError,
  EngagementInsightsError,
  ForbiddenError,
  InvalidRequestError,
  NetworkError,
  NotFoundError,
  PayloadTooLargeError,
  RetryableApiError,
  TooManyRequestsError,
  UnauthorizedError,
} from "./errors.js";
export type { FetchLike } from "./http.js";
export {
  EngagementInsights,
  IngestionError,
  type IngestionFailure,
  type IngestionOptions,
  type IngestionTotals,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
} from "./ingestion.js";
export {
  AttritionReportInterval,
  ChampionReportInterval,
  ChartMetric,
  ChartMetricCadence,
  ChurnReportInterval,
  CurveCadence,
  CurveEntity,
  camelize,
  EngagementInsightsReader,
  GrowthReportInterval,
  type ReadOptions,
  ReengagementReportInterval,
  type ReportName,
  type ReportPage,
  StickinessInterval,
  TopInviterReportInterval,
} from "./read.js";
export { parseRetryAfter } from "./retryAfter.js";
export type * from "./types.js";
export { uuidv7 } from "./uuidv7.js";
export {
  type ReportEnteredEvent,
  signWebhook,
  type VerifyOptions,
  verifyWebhook,
  type WebhookHeaders,
  WebhookVerificationError,
} from "./webhooks.js";
