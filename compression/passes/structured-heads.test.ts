// Attention-head pruning, measured: Q/K/V/O shapes shrink by whole heads, the parameter count
// drops by exactly heads × (3·(hidden·headDim + headDim) + headDim·hidden), the removed heads are
// the lowest-ranked, constant head counts / merged sizes in Reshape targets are rewritten, the
// result runs in onnxruntime-node (legacy and dynamo exports) and stays close on the trained model.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { countParameters } from "../onnx-io/summary.ts";
import { fixturesDir, modelPath, output, reference, runModel } from "../onnx-io/test-fixtures.ts";
import { dimsOf, findLinearWeights, GraphEditor, intValues, withInt64Values } from "../pruning/graph.ts";
import { lineNorms } from "../pruning/structure.ts";
import { quality, trainedModel } from "../pruning/test-support.ts";
import { structuredHeads } from "./structured-heads.ts";

const bert = trainedModel();

function dimsByName(model: ModelProto): Map<string, string> {
  return new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? "", dimsOf(t).join("x")]));
}

/** The legacy export with explicit head counts (4) and merged sizes (32) instead of -1 in its Reshapes. */
function withConstantHeadCounts(model: ModelProto): { model: ModelProto; rewritten: number } {
  const editor = new GraphEditor(model);
  let rewritten = 0;
  for (const n of editor.nodeList) {
    if (n.opType !== "Concat" || !(n.output[0] ?? "").includes("attention/self/Concat")) continue;
    const pieces = n.input.map((i) => editor.resolve(i));
    const last = pieces[pieces.length - 1];
    const prev = pieces[pieces.length - 2];
    if (
      pieces.length === 4 &&
      prev &&
      last &&
      intValues(prev.tensor)[0] === -1 &&
      intValues(last.tensor)[0] === 8
    ) {
      editor.setConstant(prev.source, withInt64Values(prev.tensor, [4]));
      rewritten++;
    } else if (pieces.length === 3 && last && intValues(last.tensor)[0] === -1) {
      editor.setConstant(last.source, withInt64Values(last.tensor, [32]));
      rewritten++;
    }
  }
  return { model: editor.finish(), rewritten };
}

describe("prune-attention-heads", () => {
  it("legacy BERT: whole heads leave Q/K/V/O, parameters drop exactly, outputs stay close", async () => {
    const { model, report } = await structuredHeads.apply(
      bert,
      structuredHeads.options.parse({ ratio: 0.25 }),
    );
    expect(report.blocks).toBe(2);
    expect(report.headsAfter).toEqual([3, 3]);
    // per layer, one head of 8: Q, K, V lose 8 columns of 32 inputs + 8 bias entries; O loses 8 rows of 32
    expect(countParameters(bert) - countParameters(model)).toBe(2 * (3 * (32 * 8 + 8) + 8 * 32));
    const dims = [...dimsByName(model).values()];
    expect(dims.filter((d) => d === "32x24")).toHaveLength(6); // Q, K, V × 2 layers
    expect(dims.filter((d) => d === "24x32")).toHaveLength(2); // O × 2 layers
    const q = await quality(model);
    expect(q.agreement).toBe(1);
    expect(q.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(q.cosine).toBeGreaterThan(0.999);
    const half = await structuredHeads.apply(bert, structuredHeads.options.parse({ ratio: 0.5 }));
    expect(half.report.headsAfter).toEqual([2, 2]);
    expect((await quality(half.model)).maxAbsDiff).toBeGreaterThan(q.maxAbsDiff);
  });

  it("keeps the highest-ranked heads (‖W_v head‖·‖W_o head‖)", async () => {
    const { report } = await structuredHeads.apply(bert, structuredHeads.options.parse({ ratio: 0.5 }));
    const weights = findLinearWeights(new GraphEditor(bert));
    const os = report.outputProjections as string[];
    (report.keptHeads as string[]).forEach((k, b) => {
      const o = weights.find((w) => w.name === os[b]);
      // the value projection is the third of the layer's Q, K, V MatMuls, in graph order before O
      const index = weights.findIndex((w) => w.name === os[b]);
      const v = weights[index - 1];
      if (!o || !v) throw new Error("weights not found");
      const vn = lineNorms(v, "out");
      const on = lineNorms(o, "in");
      const score = (h: number) => {
        let a = 0;
        let c = 0;
        for (let i = h * 8; i < h * 8 + 8; i++) {
          a += (vn[i] as number) ** 2;
          c += (on[i] as number) ** 2;
        }
        return Math.sqrt(a * c);
      };
      const kept = k.split(",").map(Number);
      const removed = [0, 1, 2, 3].filter((h) => !kept.includes(h));
      expect(Math.min(...kept.map(score))).toBeGreaterThanOrEqual(Math.max(...removed.map(score)));
    });
  });

  it("rewrites constant head counts and merged sizes in the Reshape targets", async () => {
    const { model: explicit, rewritten } = withConstantHeadCounts(bert);
    expect(rewritten).toBe(8); // per layer: Q, K, V head reshapes + the merge
    expect((await quality(explicit)).maxAbsDiff).toBeLessThan(1e-5); // same model, explicit shapes
    const { model, report } = await structuredHeads.apply(
      explicit,
      structuredHeads.options.parse({ ratio: 0.25 }),
    );
    expect(report.headsAfter).toEqual([3, 3]);
    const pruned = await structuredHeads.apply(bert, structuredHeads.options.parse({ ratio: 0.25 }));
    const a = await quality(model);
    const b = await quality(pruned.model);
    expect(Math.abs(a.maxAbsDiff - b.maxAbsDiff)).toBeLessThan(1e-5); // same result as the -1 export
    const editor = new GraphEditor(model);
    const values = editor.nodeList
      .filter((n) => n.opType === "Concat" && (n.output[0] ?? "").includes("attention/self/Concat"))
      .map(
        (n) =>
          intValues(editor.resolve(n.input[n.input.length === 4 ? 2 : 2] ?? "")?.tensor ?? ({} as never))[0],
      );
    expect(values.filter((v) => v === 3)).toHaveLength(6);
    expect(values.filter((v) => v === 24)).toHaveLength(2);
  });

  it("dynamo BERT (static shapes, value_info everywhere): 2 heads → 1, runs", async () => {
    const model = decodeModel(readFileSync(modelPath("bert-dynamo")), {
      externalData: { "model.onnx.data": readFileSync(join(fixturesDir, "bert-dynamo", "model.onnx.data")) },
    });
    const { model: pruned, report } = await structuredHeads.apply(
      model,
      structuredHeads.options.parse({ ratio: 0.5 }),
    );
    expect(report.headsAfter).toEqual([1, 1]);
    // weights lose one 16-wide head per layer; the exporter deduplicated all-zero biases into one
    // [32] tensor shared with LayerNorm, which stays, so each Q/K/V gets its own [16] copy (+6 × 16)
    expect(countParameters(model) - countParameters(pruned)).toBe(2 * (3 * 32 * 16 + 16 * 32) - 6 * 16);
    const out = output(await runModel(encodeModel(pruned), reference("bert-dynamo")), "logits");
    expect(out.dims).toEqual([2, 3]);
  });

  it("says so for fused QKV attention (GPT-2) and keeps at least minHeads", async () => {
    const gpt2 = decodeModel(readFileSync(modelPath("gpt2-legacy")));
    expect(() => structuredHeads.apply(gpt2, structuredHeads.options.parse({ ratio: 0.5 }))).toThrow(
      /no multi-head attention block/,
    );
    const { report } = await structuredHeads.apply(
      bert,
      structuredHeads.options.parse({ ratio: 0.9, minHeads: 2 }),
    );
    expect(report.headsAfter).toEqual([2, 2]);
  });
});
