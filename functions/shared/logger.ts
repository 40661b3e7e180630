import { Logger } from "@aws-lambda-powertools/logger";

/** Structured JSON logs (Powertools); every line of a request carries its `request_id`. */
export const logger = new Logger({ serviceName: "engagement-insights" });
