// Structured FFN pruning: remove whole intermediate neurons of every transformer feed-forward block
// (up-projection → elementwise activation → down-projection), so the matrices really get smaller
// and the model faster — no sparse kernels needed. A neuron j is ranked by ‖W_up[:, j]‖₂ ·
// ‖W_down[j, :]‖₂ (how much it can take in times how much it can put out); the lowest-ranked
// `ratio` of each block go: the up-projection's output columns and bias entries, the down-
// projection's input rows, and any shape constant naming the intermediate size (GPT-2's Reshape to
// (batch, seq, 4·hidden)). Blocks are found by data flow, so legacy and dynamo exports both work.
import { z } from "zod";
import { countParameters } from "../onnx-io/summary.ts";
import {
  distinctWeights,
  findLinearWeights,
  GraphEditor,
  matchesAny,
  PruneError,
  withFloatValues,
} from "../pruning/graph.ts";
import {
  findFfnBlocks,
  lineNorms,
  replaceInput,
  setShapeSlot,
  sliceBias,
  sliceWeight,
} from "../pruning/structure.ts";
import { definePass } from "./pass.ts";

export const structuredFfnOptions = z.object({
  /** Fraction of each block's intermediate neurons to remove, in [0, 1). */
  ratio: z.number().min(0).lt(1),
  /** Round the kept count up to a multiple of this (kernels like multiples of 8/16). */
  multipleOf: z.number().int().min(1).default(1),
  /** Up-projection weight names to leave alone (exact or "/regex/"). */
  exclude: z.array(z.string()).default([]),
});

export const structuredFfn = definePass({
  name: "prune-ffn-neurons",
  description:
    "Structured pruning of FFN intermediate neurons: up-projection columns + bias, down-projection rows",
  options: structuredFfnOptions,
  apply(model, options) {
    const editor = new GraphEditor(model);
    const blocks = findFfnBlocks(editor, findLinearWeights(editor)).filter(
      (b) => !matchesAny(b.up.weight.name, options.exclude),
    );
    if (blocks.length === 0)
      throw new PruneError("pattern-not-found", "no FFN block (up → activation → down) found");
    const shared = new Set(
      distinctWeights(blocks.flatMap((b) => [b.up.weight, b.down.weight])).map((w) => w.name),
    );
    const kept: number[] = [];
    const before: number[] = [];
    const keptIndices: string[] = [];
    for (const b of blocks) {
      const size = b.up.outDim;
      const score = lineNorms(b.up.weight, "out").map(
        (u, j) => u * (lineNorms(b.down.weight, "in")[j] as number),
      );
      let keep = Math.max(1, size - Math.floor(size * options.ratio));
      keep = Math.min(size, Math.ceil(keep / options.multipleOf) * options.multipleOf);
      const order = Array.from({ length: size }, (_, j) => j).sort(
        (x, y) => (score[y] as number) - (score[x] as number) || x - y,
      );
      const keepIdx = order.slice(0, keep).sort((x, y) => x - y);
      const up = sliceWeight(b.up.weight, "out", keepIdx);
      replaceInput(
        editor,
        b.up.weight.node,
        1,
        { source: b.up.weight.source, tensor: b.up.weight.tensor },
        withFloatValues(b.up.weight.tensor, up.values, up.dims),
      );
      if (b.up.bias)
        replaceInput(
          editor,
          b.up.bias.node,
          b.up.bias.inputIndex,
          b.up.bias.constant,
          sliceBias(b.up.bias, keepIdx),
        );
      const down = sliceWeight(b.down.weight, "in", keepIdx);
      replaceInput(
        editor,
        b.down.weight.node,
        1,
        { source: b.down.weight.source, tensor: b.down.weight.tensor },
        withFloatValues(b.down.weight.tensor, down.values, down.dims),
      );
      for (const slot of b.shapeSlots) setShapeSlot(editor, slot, keep);
      editor.dropValueInfo(b.inner);
      kept.push(keep);
      before.push(size);
      keptIndices.push(keepIdx.join(","));
    }
    const out = editor.finish();
    return {
      model: out,
      report: {
        method: "ffn-neurons",
        ratio: options.ratio,
        blocks: blocks.length,
        upProjections: blocks.map((b) => b.up.weight.name),
        intermediateBefore: before,
        intermediateAfter: kept,
        parametersBefore: countParameters(model),
        parametersAfter: countParameters(out),
        sharedWeights: shared.size !== blocks.length * 2,
        /** Kept neuron indices per block (comma-separated), for the trainer or a later un-pruning. */
        keptNeurons: keptIndices,
      },
    };
  },
});
