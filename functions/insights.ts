import { chartRoutes } from "../lib/insights/chartRoutes.js";
import { curveRoutes } from "../lib/insights/curveRoutes.js";
import { reportRoutes } from "../lib/insights/reportRoutes.js";
import { streamingHttpHandler } from "./shared/streamingHttpHandler.js";

/**
 * The user and org insights family (CONTRACT §6): reports from snapshots, live charts, sign-up parameters; retention,
 * lifecycle and stickiness from snapshots (§10). It streams (Lambda response streaming, API Gateway `STREAM`) for the
 * CSV downloads of whole reports (§12), which a buffered answer could neither hold (a million rows) nor send (6 MB);
 * JSON answers are sent whole as before.
 */
export const handler = streamingHttpHandler("insights", { ...reportRoutes, ...chartRoutes, ...curveRoutes });
