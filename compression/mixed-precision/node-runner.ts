// A ModelRunner over onnxruntime-node (Node only): runs a model on fixed feeds with the same
// session settings as verification (one thread, 'basic' optimization, so quantized ops compute
// what the file says) and hands back plain arrays.
import type * as ort from "onnxruntime-node";
import { createSession } from "../verify/verify.ts";
import type { RunOutputs } from "./agreement.ts";
import type { ModelRunner } from "./mixed-precision.ts";

export function ortNodeRunner(feeds: readonly Record<string, ort.Tensor>[]): ModelRunner {
  return async (bytes) => {
    const session = await createSession(bytes);
    try {
      const runs: RunOutputs[] = [];
      for (const f of feeds) {
        const out = await session.run(f);
        const run: RunOutputs = {};
        for (const name of session.outputNames) {
          const t = out[name];
          if (t && (t.type === "float32" || t.type === "float64"))
            run[name] = { data: t.data as Float32Array, dims: t.dims };
        }
        runs.push(run);
      }
      return runs;
    } finally {
      await session.release();
    }
  };
}
