// Activation-aware unstructured pruning (Wanda, Sun et al. 2023): importance = |w_ij| · ‖x_i‖₂,
// where ‖x_i‖₂ is input feature i's L2 norm over calibration data (collect it with activationProbe
// and ActivationNorms in compression/pruning/calibration.ts). Magnitude alone ignores that some input
// features are consistently large — a small weight on such a feature matters more than a large one
// on a feature that is nearly always zero. As in Wanda, weights compete per output neuron by
// default; "layer" and "global" scopes are there too. Deterministic: no sampling, no seed.
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

export const pruneImportanceOptions = z.object({
  sparsity: z.number().min(0).lt(1),
  scope: z.enum(["output", "layer", "global"]).default("output"),
  /** Per weight name: the L2 norm of each input feature over the calibration set. */
  activationNorms: z.record(z.string(), z.array(z.number().nonnegative())),
  exclude: z.array(z.string()).default([]),
  minElements: z.number().int().min(0).default(0),
});

export const pruneImportance = definePass({
  name: "prune-importance",
  description: "Unstructured pruning by |weight| × input-activation norm from calibration data (Wanda)",
  options: pruneImportanceOptions,
  apply(model, options) {
    const editor = new GraphEditor(model);
    const weights = distinctWeights(findLinearWeights(editor)).filter(
      (w) => !matchesAny(w.name, options.exclude) && w.dims[0] * w.dims[1] >= options.minElements,
    );
    if (weights.length === 0) throw new PruneError("no-weights", "no MatMul/Gemm weight matrix to prune");
    const scored = weights.map((weight) => {
      const norms = options.activationNorms[weight.name];
      const [a, b] = weight.dims;
      const inDim = weight.transposed ? b : a;
      if (!norms)
        throw new PruneError(
          "bad-calibration",
          `no activation norms for weight ${weight.name} (exclude it or calibrate)`,
        );
      if (norms.length !== inDim)
        throw new PruneError(
          "bad-calibration",
          `activation norms for ${weight.name} have ${norms.length} features, the weight has ${inDim} inputs`,
        );
      const values = floatValues(weight.tensor);
      const scores = new Float32Array(values.length);
      for (let k = 0; k < values.length; k++) {
        // [in, out] row-major: input index k / out; transposed [out, in]: k % in
        const i = weight.transposed ? k % b : Math.floor(k / b);
        scores[k] = Math.abs(values[k] as number) * (norms[i] as number);
      }
      return { weight, values, scores };
    });
    const stats = pruneByScores(editor, scored, options.sparsity, options.scope);
    return {
      model: editor.finish(),
      report: {
        method: "activation-importance",
        scope: options.scope,
        targetSparsity: options.sparsity,
        ...sparsityReport(stats),
      },
    };
  },
});
