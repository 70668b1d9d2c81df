// Latency in onnxruntime-web (the WASM build the Worker and browsers run), measured in Node next to
// onnxruntime-node's: the same file can be fast natively and slow in WASM (MatMulNBits, int8
// kernels differ), and the edge serves WASM. Single-threaded, with the Worker's session options.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as ortWeb from "onnxruntime-web";
import { WASM_SESSION_OPTIONS } from "../../client/wasm-session-options.ts";
import { median } from "./median.ts";
import type { Feeds } from "./verify.ts";

let configured = false;

function configure(): void {
  if (configured) return;
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.wasm.proxy = false;
  const require = createRequire(import.meta.url);
  ortWeb.env.wasm.wasmBinary = readFileSync(require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));
  configured = true;
}

export type WebLatency = { median: number; runs: number } | { error: string };

/** Median time of `runs` single runs on `feeds` (after three warm-up runs) in onnxruntime-web's WASM backend. */
export async function webLatency(bytes: Uint8Array, feeds: Feeds, runs: number): Promise<WebLatency> {
  configure();
  let session: ortWeb.InferenceSession;
  try {
    session = await ortWeb.InferenceSession.create(bytes, WASM_SESSION_OPTIONS);
  } catch (error) {
    // e.g. an operator the WASM build lacks: worth a line in the report, not a failed run
    return { error: (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "failed" };
  }
  try {
    const webFeeds = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => [
        k,
        new ortWeb.Tensor(t.type as "float32", t.data as Float32Array, t.dims),
      ]),
    );
    // a few warm-up runs: V8 compiles WASM in tiers, and the first runs of a process time the compiler
    for (let i = 0; i < 3; i++) await session.run(webFeeds);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(webFeeds);
      times.push(performance.now() - t0);
    }
    return { median: median(times), runs };
  } finally {
    await session.release();
  }
}
