import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Test workers inherit these: quiet logs, and no Node-version notice from the AWS SDK on every worker (only that
// notice: other warnings still show).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

export default defineConfig({
  test: {
    // The SDK tests run against the real local server on the same DynamoDB Local.
    include: ["test/**/*.test.ts", "sdk/test/**/*.test.ts"],
    globalSetup: ["test/helpers/globalSetup.ts"],
    // Lambda's `awslambda` global, which the dashboard's streaming handler module uses when it is loaded.
    setupFiles: ["scripts/lib/lambdaRuntime.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file gets its own tables, so files can run in parallel against the one DynamoDB Local.
    pool: "forks",
    // Test files mostly wait (on DynamoDB Local, the local server, a browser), so more files than cores run at once:
    // vitest's default (cores − 1) ran this suite one file at a time on 2 cores. TEST_WORKERS overrides.
    maxWorkers: Number(process.env.TEST_WORKERS ?? Math.max(3, availableParallelism())),
  },
});
