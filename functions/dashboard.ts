import { dashboardRoutes } from "../lib/dashboard/routes.js";
import { httpHandler } from "./shared/httpHandler.js";

/** The engagement-dashboard family (CONTRACT §4): active and new users per day, for dashboard users' tokens. */
export const handler = httpHandler("dashboard", dashboardRoutes);
