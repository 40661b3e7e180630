/**
 * @engagement-insights/sdk: a batching ingestion client whose retries never double-count (ingestion.ts) and a typed
 * read client (read.ts). ESM, types from the service's OpenAPI document, no dependency beyond the platform's fetch.
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
  UnauthorizedError,
} from "./errors.js";
export type { FetchLike } from "./http.js";
export {
  EngagementInsights,
  IngestionError,
  type IngestionFailure,
  type IngestionOptions,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
} from "./ingestion.js";
export {
  AttritionReportInterval,
  ChampionReportInterval,
  ChartMetric,
  ChartMetricCadence,
  ChurnReportInterval,
  camelize,
  EngagementInsightsReader,
  GrowthReportInterval,
  type ReadOptions,
  ReengagementReportInterval,
  type ReportPage,
  TopInviterReportInterval,
} from "./read.js";
export type * from "./types.js";
export { uuidv7 } from "./uuidv7.js";
