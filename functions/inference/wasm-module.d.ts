// wrangler (and vitest-pool-workers) turn a .wasm import into a compiled WebAssembly.Module.
declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}

// Test fixtures imported as bytes (the "Data" module rule in vitest.workers.config.ts).
declare module "*.onnx" {
  const bytes: ArrayBuffer;
  export default bytes;
}
