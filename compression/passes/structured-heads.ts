// Structured attention-head pruning: remove whole heads of every multi-head attention block, so
// the Q/K/V projections lose headDim output columns (and bias entries) per head and the output
// projection the matching input rows — smaller matrices and less attention work. A head h is
// ranked by ‖W_v[:, h]‖_F · ‖W_o[h, :]‖_F (its value path is what it contributes to the output;
// Q/K only shape where it looks). Exports that reshape to (batch, seq, -1, headDim), as both
// PyTorch exporters do for BERT, need no shape change; a constant head count or merged size in the
// Reshape targets is rewritten. Fused QKV projections (GPT-2's c_attn) are not handled.
import { z } from "zod";
import { countParameters } from "../onnx-io/summary.ts";
import { findLinearWeights, GraphEditor, PruneError, withFloatValues } from "../pruning/graph.ts";
import {
  findAttentionBlocks,
  lineNorms,
  type Projection,
  replaceInput,
  setShapeSlot,
  sliceBias,
  sliceWeight,
} from "../pruning/structure.ts";
import { definePass } from "./pass.ts";

export const structuredHeadsOptions = z.object({
  /** Fraction of each block's heads to remove (rounded down), in [0, 1). */
  ratio: z.number().min(0).lt(1),
  /** Heads every block keeps at least. */
  minHeads: z.number().int().min(1).default(1),
});

function slice(editor: GraphEditor, p: Projection, axis: "in" | "out", keep: number[]): void {
  const w = p.weight;
  const s = sliceWeight(w, axis, keep);
  replaceInput(
    editor,
    w.node,
    w.inputIndex,
    { source: w.source, tensor: w.tensor },
    withFloatValues(w.tensor, s.values, s.dims),
  );
  if (axis === "out" && p.bias)
    replaceInput(editor, p.bias.node, p.bias.inputIndex, p.bias.constant, sliceBias(p.bias, keep));
}

export const structuredHeads = definePass({
  name: "prune-attention-heads",
  description:
    "Structured pruning of attention heads: Q/K/V columns + bias, output-projection rows, head-count shapes",
  options: structuredHeadsOptions,
  apply(model, options) {
    const editor = new GraphEditor(model);
    const blocks = findAttentionBlocks(editor, findLinearWeights(editor));
    if (blocks.length === 0)
      throw new PruneError(
        "pattern-not-found",
        "no multi-head attention block (separate Q/K/V projections reshaped into heads) found",
      );
    const before: number[] = [];
    const after: number[] = [];
    const keptHeads: string[] = [];
    for (const b of blocks) {
      const { heads, headDim } = b;
      const v = lineNorms(b.v.weight, "out");
      const o = lineNorms(b.o.weight, "in");
      const score = Array.from({ length: heads }, (_, h) => {
        let sv = 0;
        let so = 0;
        for (let i = h * headDim; i < (h + 1) * headDim; i++) {
          sv += (v[i] as number) ** 2;
          so += (o[i] as number) ** 2;
        }
        return Math.sqrt(sv) * Math.sqrt(so);
      });
      const keep = Math.max(options.minHeads, heads - Math.floor(heads * options.ratio));
      const kept = Array.from({ length: heads }, (_, h) => h)
        .sort((x, y) => (score[y] as number) - (score[x] as number) || x - y)
        .slice(0, Math.min(keep, heads))
        .sort((x, y) => x - y);
      const columns = kept.flatMap((h) => Array.from({ length: headDim }, (_, i) => h * headDim + i));
      for (const p of [b.q, b.k, b.v]) slice(editor, p, "out", columns);
      slice(editor, b.o, "in", columns);
      for (const slot of b.slots)
        setShapeSlot(editor, slot, slot.role === "heads" ? kept.length : columns.length);
      // scores, probabilities and contexts carry the head count in their annotated shapes too
      editor.clearValueInfo();
      before.push(heads);
      after.push(kept.length);
      keptHeads.push(kept.join(","));
    }
    const out = editor.finish();
    return {
      model: out,
      report: {
        method: "attention-heads",
        ratio: options.ratio,
        blocks: blocks.length,
        outputProjections: blocks.map((b) => b.o.weight.name),
        headDim: blocks.map((b) => b.headDim),
        headsBefore: before,
        headsAfter: after,
        keptHeads,
        parametersBefore: countParameters(model),
        parametersAfter: countParameters(out),
      },
    };
  },
});
