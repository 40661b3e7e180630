import { chartRoutes } from "../lib/insights/chartRoutes.js";
import { curveRoutes } from "../lib/insights/curveRoutes.js";
import { reportRoutes } from "../lib/insights/reportRoutes.js";
import { httpHandler } from "./shared/httpHandler.js";

/** The user and org insights family (CONTRACT §6): reports from snapshots, live charts, sign-up parameters;
 * retention, lifecycle and stickiness from snapshots (§10). */
export const handler = httpHandler("insights", { ...reportRoutes, ...chartRoutes, ...curveRoutes });
