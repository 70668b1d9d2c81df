// Runs before every workerd test file. The files share one workerd process and module graph
// (vitest.workers.config.ts sets isolate: false: starting workerd and evaluating the Worker with its
// onnxruntime-web wasm once per file cost most of the suite's time), so each file first gets clean
// storage here: reset() deletes what Miniflare stores for the bindings (R2 objects, D1 tables; see
// test/workers/clean-storage-*.test.ts), then the registry schema is applied from the same
// migrations a deployment applies. What the isolate remembers of the registry goes with it.
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetAllModels } from "../../functions/registry/model-version-cache.ts";

await reset();
forgetAllModels();
await applyD1Migrations(env.REGISTRY, env.TEST_MIGRATIONS);
