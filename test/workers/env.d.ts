// Bindings only the workerd test suites have (vitest.workers.config.ts adds them).
import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      /** functions/migrations, read by readD1Migrations; test/workers/setup.ts applies them. */
      TEST_MIGRATIONS: D1Migration[];
      /** compression/fixtures/int4-matmul/model.onnx, base64: a small valid ONNX model. */
      TEST_ONNX_B64: string;
      /** compression/fixtures/bert-dynamo: model.onnx and its external data file model.onnx.data, base64. */
      TEST_BERT_ONNX_B64: string;
      TEST_BERT_DATA_B64: string;
    }
  }
}
