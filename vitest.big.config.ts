import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// `npm run test:big`: the tests too slow for `npm test` (minutes of seeding DynamoDB Local), e.g. the dashboard's
// 300,000 user-days. The suite's setup; only test/big/ (not merged: mergeConfig would concatenate the include lists).
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/big/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    testTimeout: 600_000,
  },
});
