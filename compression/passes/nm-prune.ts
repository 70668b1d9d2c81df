// N:M semi-structured pruning (2:4 by default): in every group of M consecutive weights along the
// input dimension, keep the N most important and zero the rest — the pattern sparse tensor cores
// (NVIDIA Ampere+) and sparse kernels accelerate, with a fixed 1 − N/M sparsity. "Along the input
// dimension" means, for y = x·W with W stored [in, out], groups W[4g..4g+3, j]; for a Gemm with
// transB (W stored [out, in]) the same weights lie contiguously in row j. Importance is |w|, or
// |w|·‖x_i‖ when calibration norms are given (as in prune-importance). Tensors whose input
// dimension is not a multiple of M are left alone and listed in the report.
import { z } from "zod";
import {
  distinctWeights,
  findLinearWeights,
  floatValues,
  GraphEditor,
  matchesAny,
  PruneError,
  withFloatValues,
} from "../pruning/graph.ts";
import { sparsityReport, type TensorSparsity } from "../pruning/unstructured.ts";
import { definePass } from "./pass.ts";

export const nmPruneOptions = z
  .object({
    /** Weights kept per group. */
    n: z.number().int().min(1).default(2),
    /** Group size along the input dimension. */
    m: z.number().int().min(2).default(4),
    /** Optional per-weight input-feature norms (calibration); without them importance is |w|. */
    activationNorms: z.record(z.string(), z.array(z.number().nonnegative())).optional(),
    exclude: z.array(z.string()).default([]),
    minElements: z.number().int().min(0).default(0),
  })
  .refine((o) => o.n < o.m, { message: "n must be smaller than m" });

export const nmPrune = definePass({
  name: "prune-nm",
  description: "N:M semi-structured pruning (default 2:4) along the input dimension of MatMul/Gemm weights",
  options: nmPruneOptions,
  apply(model, options) {
    const { n, m } = options;
    const editor = new GraphEditor(model);
    const weights = distinctWeights(findLinearWeights(editor)).filter(
      (w) => !matchesAny(w.name, options.exclude) && w.dims[0] * w.dims[1] >= options.minElements,
    );
    if (weights.length === 0) throw new PruneError("no-weights", "no MatMul/Gemm weight matrix to prune");
    const stats: TensorSparsity[] = [];
    const skipped: string[] = [];
    for (const w of weights) {
      const [a, b] = w.dims;
      const [inDim, outDim] = w.transposed ? [b, a] : [a, b];
      if (inDim % m !== 0) {
        skipped.push(w.name);
        continue;
      }
      const norms = options.activationNorms?.[w.name];
      if (options.activationNorms && !norms)
        throw new PruneError(
          "bad-calibration",
          `no activation norms for weight ${w.name} (exclude it or calibrate)`,
        );
      if (norms && norms.length !== inDim)
        throw new PruneError(
          "bad-calibration",
          `activation norms for ${w.name} do not match its ${inDim} inputs`,
        );
      const values = floatValues(w.tensor);
      const at = (i: number, j: number) => (w.transposed ? j * inDim + i : i * outDim + j);
      const group = new Array<{ k: number; s: number }>(m);
      for (let j = 0; j < outDim; j++)
        for (let g = 0; g < inDim; g += m) {
          for (let t = 0; t < m; t++) {
            const k = at(g + t, j);
            group[t] = { k, s: Math.abs(values[k] as number) * (norms ? (norms[g + t] as number) : 1) };
          }
          // stable: equal scores keep the earlier weight
          const order = [...group].sort((x, y) => x.s - y.s || y.k - x.k);
          for (let t = 0; t < m - n; t++) values[(order[t] as { k: number }).k] = 0;
        }
      let zeros = 0;
      for (const v of values) if (v === 0) zeros++;
      editor.setConstant(w.source, withFloatValues(w.tensor, values));
      stats.push({ name: w.name, elements: values.length, zeros, sparsity: zeros / values.length });
    }
    if (stats.length === 0)
      throw new PruneError("no-weights", `no weight has an input dimension divisible by ${m}`);
    return {
      model: editor.finish(),
      report: { method: `${n}:${m}`, n, m, skipped, ...sparsityReport(stats) },
    };
  },
});
