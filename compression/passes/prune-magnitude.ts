// Unstructured magnitude pruning: zero the smallest-|w| weights of every MatMul/Gemm weight matrix
// until a target sparsity is reached, either per tensor ("layer") or with one threshold across all
// of them ("global", which lets redundant layers give up more). Shapes stay as they are; the pay-off
// is in transport (runs of zeros gzip/brotli well) and in what sparse kernels or later quantization
// can do. Weights reached through Identity/Constant nodes, as PyTorch exports them, are included.
import { z } from "zod";
import {
  distinctWeights,
  findLinearWeights,
  floatValues,
  GraphEditor,
  matchesAny,
  PruneError,
} from "../pruning/graph.ts";
import { pruneByScores, sparsityReport } from "../pruning/unstructured.ts";
import { definePass } from "./pass.ts";

export const pruneMagnitudeOptions = z.object({
  /** Fraction of weights to zero, in [0, 1). */
  sparsity: z.number().min(0).lt(1),
  /** "layer": each tensor reaches the target; "global": one threshold across all selected tensors. */
  scope: z.enum(["layer", "global"]).default("layer"),
  /** Weight names (initializer or Constant output) to leave alone; "/regex/" entries match by pattern. */
  exclude: z.array(z.string()).default([]),
  /** Tensors with fewer elements than this are left alone (tiny classifier heads are fragile). */
  minElements: z.number().int().min(0).default(0),
});

export const pruneMagnitude = definePass({
  name: "prune-magnitude",
  description:
    "Unstructured magnitude pruning of MatMul/Gemm weights to a target sparsity (per layer or global)",
  options: pruneMagnitudeOptions,
  apply(model, options) {
    const editor = new GraphEditor(model);
    const weights = distinctWeights(findLinearWeights(editor)).filter(
      (w) => !matchesAny(w.name, options.exclude) && w.dims[0] * w.dims[1] >= options.minElements,
    );
    if (weights.length === 0) throw new PruneError("no-weights", "no MatMul/Gemm weight matrix to prune");
    const scored = weights.map((weight) => {
      const values = floatValues(weight.tensor);
      return { weight, values, scores: values.map(Math.abs) };
    });
    const stats = pruneByScores(editor, scored, options.sparsity, options.scope);
    return {
      model: editor.finish(),
      report: {
        method: "magnitude",
        scope: options.scope,
        targetSparsity: options.sparsity,
        ...sparsityReport(stats),
      },
    };
  },
});
