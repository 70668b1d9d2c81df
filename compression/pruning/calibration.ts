// Calibration statistics for activation-aware pruning (Wanda, Sun et al. 2023): a weight's
// importance is |w_ij| · ‖x_i‖₂, the L2 norm of input feature i over every calibration token, so a
// small weight that multiplies a large activation survives. Collecting them is split in two pure
// halves so it runs with any onnxruntime build (node, web, inside a Worker): activationProbe()
// exposes each MatMul/Gemm's activation input as an extra graph output, the caller runs that model
// on calibration inputs, and ActivationNorms accumulates the per-feature sums of squares.

import { DataType } from "../onnx-io/data-types.ts";
import type { ModelProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { distinctWeights, findLinearWeights, GraphEditor, PruneError } from "./graph.ts";

export interface ActivationTap {
  /** Weight name (initializer or Constant output), the key the pruning passes look up. */
  weight: string;
  /** The activation value feeding that weight's MatMul/Gemm (now also a graph output). */
  input: string;
  /** Input features: the activation's last dimension. */
  features: number;
}

export interface ActivationProbe {
  model: ModelProto;
  taps: ActivationTap[];
}

/** A copy of `model` that also outputs the activation input of every MatMul/Gemm weight. */
export function activationProbe(model: ModelProto): ActivationProbe {
  const editor = new GraphEditor(model);
  const taps = distinctWeights(findLinearWeights(editor)).map((w) => ({
    weight: w.name,
    input: w.node.input[0] ?? "",
    features: w.transposed ? w.dims[1] : w.dims[0],
  }));
  const graph = editor.finish().graph;
  if (!graph) throw new PruneError("no-graph", "the model has no graph");
  const existing = new Set(graph.output.map((o) => o.name));
  const extra: ValueInfoProto[] = [...new Set(taps.map((t) => t.input))]
    .filter((name) => !existing.has(name))
    .map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT } }, metadataProps: [] }));
  return { model: { ...model, graph: { ...graph, output: [...graph.output, ...extra] } }, taps };
}

/** What a runtime hands back for one output: flat float data and its dims. */
export interface ActivationOutput {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/** Accumulates ‖x_i‖₂ per input feature of every tapped weight over any number of runs. */
export class ActivationNorms {
  private readonly sums = new Map<string, Float64Array>();
  private tokens = 0;

  constructor(private readonly taps: readonly ActivationTap[]) {
    for (const t of taps) this.sums.set(t.weight, new Float64Array(t.features));
  }

  /** Adds one run's outputs (of the probe model). */
  add(outputs: Record<string, ActivationOutput>): void {
    const cache = new Map<string, Float64Array>();
    for (const tap of this.taps) {
      const out = outputs[tap.input];
      if (!out)
        throw new PruneError("bad-calibration", `calibration run did not return activation ${tap.input}`);
      const last = out.dims[out.dims.length - 1];
      if (last !== tap.features)
        throw new PruneError(
          "bad-calibration",
          `activation ${tap.input} has ${last} features, weight ${tap.weight} expects ${tap.features}`,
        );
      let sq = cache.get(tap.input);
      if (!sq) {
        sq = new Float64Array(tap.features);
        for (let i = 0; i < out.data.length; i++) {
          const v = out.data[i] as number;
          const f = i % tap.features;
          sq[f] = (sq[f] as number) + v * v;
        }
        cache.set(tap.input, sq);
      }
      const sum = this.sums.get(tap.weight) as Float64Array;
      for (let i = 0; i < sq.length; i++) sum[i] = (sum[i] as number) + (sq[i] as number);
    }
    this.tokens++;
  }

  /** Per weight: the L2 norm of each input feature over everything added. */
  result(): Record<string, number[]> {
    if (this.tokens === 0) throw new PruneError("bad-calibration", "no calibration run was added");
    const out: Record<string, number[]> = {};
    for (const [k, v] of this.sums) out[k] = Array.from(v, Math.sqrt);
    return out;
  }
}
