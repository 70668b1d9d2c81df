import { defineConfig } from "vitest/config";

// Node-side suites: unit tests beside their source, and cross-component tests under test/node.
export default defineConfig({
  test: {
    include: [
      "cli/**/*.test.ts",
      "compression/**/*.test.ts",
      "training-runner/**/*.test.ts",
      "evaluation/**/*.test.ts",
      "client/**/*.test.ts",
      "test/node/**/*.test.ts",
      "test/browser/**/*.test.ts",
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
