import { usersRoutes } from "../lib/users/routes.js";
import { httpHandler } from "./shared/httpHandler.js";

/** The users and usage-statistics family (CONTRACT §5): current users in sign-up order, counts of active users. */
export const handler = httpHandler("users", usersRoutes);
