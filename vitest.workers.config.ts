import { readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type Plugin } from "vitest/config";

// Tests inside workerd cannot read files, so an imported .onnx fixture becomes a module holding
// its bytes (base64 in the module source, decoded to an ArrayBuffer).
const onnxFixturesAsBytes: Plugin = {
  name: "edgetune:onnx-bytes",
  enforce: "pre",
  load(id) {
    if (!id.endsWith(".onnx")) return null;
    const base64 = readFileSync(id).toString("base64");
    return `const s = atob(${JSON.stringify(base64)}); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); export default b.buffer;`;
  },
};

// Worker suites run inside workerd (Miniflare), configured from wrangler.toml.
export default defineConfig({
  plugins: [
    onnxFixturesAsBytes,
    cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { cf: false } }),
  ],
  test: {
    include: ["functions/**/*.test.ts", "test/workers/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
