import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type Plugin } from "vitest/config";
import { SIGNING_KEY, TEST_MAX_UPLOAD_BYTES, TOKENS } from "./test/workers/tokens.ts";

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

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// Worker suites run inside workerd (Miniflare), configured from wrangler.toml, plus the secrets a
// deployment sets (token hashes, signing key), the registry migrations and a small ONNX fixture.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./functions/migrations");
  return {
    plugins: [
      onnxFixturesAsBytes,
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          cf: false,
          bindings: {
            EDGETUNE_TOKENS: JSON.stringify({
              [sha256(TOKENS.read)]: ["read"],
              [sha256(TOKENS.write)]: ["write"],
              [sha256(TOKENS.admin)]: ["admin"],
            }),
            EDGETUNE_SIGNING_KEY: SIGNING_KEY,
            EDGETUNE_MAX_UPLOAD_BYTES: String(TEST_MAX_UPLOAD_BYTES),
            TEST_MIGRATIONS: migrations,
            TEST_ONNX_B64: readFileSync("./compression/fixtures/int4-matmul/model.onnx").toString("base64"),
            TEST_BERT_ONNX_B64: readFileSync("./compression/fixtures/bert-dynamo/model.onnx").toString(
              "base64",
            ),
            TEST_BERT_DATA_B64: readFileSync("./compression/fixtures/bert-dynamo/model.onnx.data").toString(
              "base64",
            ),
          },
        },
      }),
    ],
    test: {
      include: ["functions/**/*.test.ts", "test/workers/**/*.test.ts"],
      setupFiles: ["./test/workers/setup.ts"],
      // One workerd process (per vitest worker) runs file after file: a fresh one per file spent
      // ~20 s starting workerd and evaluating the Worker (onnxruntime-web's wasm) before any test.
      // Storage stays per file: test/workers/setup.ts resets it before each file.
      isolate: false,
      testTimeout: 60_000,
    },
  };
});
