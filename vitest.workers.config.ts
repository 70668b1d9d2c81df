import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Worker suites run inside workerd (Miniflare), configured from wrangler.toml.
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { cf: false } })],
  test: {
    include: ["functions/**/*.test.ts", "test/workers/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
