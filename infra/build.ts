import { App } from "aws-cdk-lib";
import { readConfig } from "./config.js";
import { EngagementInsightsStack } from "./stack.js";

/** Adds the service's stack to an app, configured from the app's context (cdk.json, `-c key=value`). */
export function buildApp(app: App = new App()): { app: App; stack: EngagementInsightsStack } {
  const config = readConfig(app.node);
  const stack = new EngagementInsightsStack(app, `engagement-insights-${config.stage}`, {
    config,
    description: `engagement-insights (${config.stage}): event ingestion, dashboards, users and insights APIs`,
    tags: { service: "engagement-insights", stage: config.stage },
  });
  return { app, stack };
}
