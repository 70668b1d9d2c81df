// onnxruntime-web inside workerd. Workers refuse to compile WebAssembly from bytes at run time, so
// (as measured in the platform notes) the bundled wasm build is loaded with its binary imported as a
// precompiled module, and WebAssembly.instantiate is wrapped so ORT's own "instantiate these bytes"
// call gets that module instead. Single-threaded, no proxy worker: isolates have neither. The
// instantiation shows as load-wasm in the Server-Timing of the isolate's first inference request.
import * as ort from "onnxruntime-web/wasm";
import { timed } from "./server-timing.ts";
import ortWasmModule from "./vendor/ort-wasm-simd-threaded.wasm";

let configured = false;

function instantiateFromPrecompiled(): void {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  const patched = (source: unknown, imports?: WebAssembly.Imports) => {
    if (source instanceof WebAssembly.Module) return instantiate(source, imports);
    return timed("load-wasm", () => instantiate(ortWasmModule, imports)).then((instance) => ({
      module: ortWasmModule,
      instance,
    }));
  };
  WebAssembly.instantiate = patched as typeof WebAssembly.instantiate;
}

/** The onnxruntime-web module, configured for workerd on first use. */
export function onnxRuntime(): typeof ort {
  if (!configured) {
    instantiateFromPrecompiled();
    // any non-empty binary stops the glue from fetching one; the wrapper above ignores it
    ort.env.wasm.wasmBinary = new Uint8Array(8);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    configured = true;
  }
  return ort;
}
