import { docsRoutes } from "../lib/openapi/docsRoutes.js";
import { httpHandler } from "./shared/httpHandler.js";

/** Discovery (CONTRACT §9): the OpenAPI document and the interactive reference rendering it. */
export const handler = httpHandler("docs", docsRoutes);
