import { dashboardRoutes } from "../lib/dashboard/routes.js";
import { streamingHttpHandler } from "./shared/streamingHttpHandler.js";

/**
 * The engagement-dashboard family (CONTRACT §4): active and new users per day, for dashboard users' tokens. It streams
 * (Lambda response streaming, API Gateway `STREAM`): an active-users answer grows with the users of the period and
 * may pass Lambda's 6 MB buffered limit even compressed (300,000 distinct users: ~12 MB of JSON, ~6 MB brotli).
 */
export const handler = streamingHttpHandler("dashboard", dashboardRoutes);
