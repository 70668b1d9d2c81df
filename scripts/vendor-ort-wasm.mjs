#!/usr/bin/env node
// Workers cannot compile WebAssembly from bytes at run time, so the Worker imports onnxruntime-web's
// wasm as a module, which wrangler compiles ahead of time. vitest-pool-workers only resolves such an
// import inside the project, so the file is copied from node_modules into functions/inference/vendor/
// (ignored by git). Idempotent: copies only when missing or different.
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "onnxruntime-web", "dist", "ort-wasm-simd-threaded.wasm");
const target = join(root, "functions", "inference", "vendor", "ort-wasm-simd-threaded.wasm");

const size = (path) => {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
};

if (size(source) < 0) {
  console.error("vendor-ort-wasm: onnxruntime-web is not installed (run npm ci)");
  process.exit(1);
}
if (size(target) !== size(source)) {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}
