// Structured FFN pruning, measured: tensor shapes really shrink, the parameter count drops by
// exactly (removed neurons) × (in + bias + out) per block, the lowest-ranked neurons are the ones
// removed, shape constants naming the intermediate size are rewritten (GPT-2), shared/tied biases
// are copied rather than corrupted (GPT-2 and dynamo exports), the result runs in onnxruntime-node,
// and on the trained classifier the outputs stay close at small ratios.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { countParameters } from "../onnx-io/summary.ts";
import { fixturesDir, maxAbsDiff, modelPath, output, reference, runModel } from "../onnx-io/test-fixtures.ts";
import { dimsOf, findLinearWeights, GraphEditor, intValues } from "../pruning/graph.ts";
import { lineNorms } from "../pruning/structure.ts";
import { quality, trainedModel } from "../pruning/test-support.ts";
import { structuredFfn } from "./structured-ffn.ts";

const bert = trainedModel();

function initializerDims(model: ModelProto): Map<string, number[]> {
  return new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? "", dimsOf(t)]));
}

describe("prune-ffn-neurons", () => {
  it("legacy BERT: shapes shrink, parameters drop by exactly the removed neurons, model stays close", async () => {
    const { model, report } = await structuredFfn.apply(bert, structuredFfn.options.parse({ ratio: 0.5 }));
    expect(report.blocks).toBe(2);
    expect(report.intermediateAfter).toEqual([64, 64]);
    // per block: 64 neurons × (32 up inputs + 1 bias + 32 down outputs)
    expect(countParameters(bert) - countParameters(model)).toBe(2 * 64 * (32 + 1 + 32));
    const dims = initializerDims(model);
    const ups = report.upProjections as string[];
    for (const up of ups) expect(dims.get(up)).toEqual([32, 64]);
    expect(dims.get("bert.encoder.layer.0.intermediate.dense.bias")).toEqual([64]);
    expect([...dims.values()].filter((d) => d.join() === "64,32")).toHaveLength(2); // down projections
    const q = await quality(model);
    expect(q.agreement).toBe(1);
    expect(q.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(q.cosine).toBeGreaterThan(0.999);
    // the file really is smaller
    expect(encodeModel(model).length).toBeLessThan(encodeModel(bert).length - 2 * 64 * 65 * 4);
  });

  it("small ratios stay closer than large ones, and the kept neurons are the highest ranked", async () => {
    const small = await structuredFfn.apply(bert, structuredFfn.options.parse({ ratio: 0.1 }));
    const large = await structuredFfn.apply(bert, structuredFfn.options.parse({ ratio: 0.75 }));
    const qs = await quality(small.model);
    const ql = await quality(large.model);
    expect(qs.maxAbsDiff).toBeLessThan(ql.maxAbsDiff);
    expect(qs.maxAbsDiff).toBeLessThan(0.05);
    expect(qs.agreement).toBe(1);
    // recompute the ranking: every kept neuron scores at least as high as every removed one
    const editor = new GraphEditor(bert);
    const weights = findLinearWeights(editor);
    const ups = small.report.upProjections as string[];
    const kept = (small.report.keptNeurons as string[]).map((s) => new Set(s.split(",").map(Number)));
    ups.forEach((name, b) => {
      const up = weights.find((w) => w.name === name);
      if (!up) throw new Error(name);
      // the down projection is the 128-input weight of the same layer
      const layer = weights.filter((w) => w.dims[0] === 128);
      const down = layer[b];
      if (!down) throw new Error("no down");
      const u = lineNorms(up, "out");
      const d = lineNorms(down, "in");
      const score = (j: number) => (u[j] as number) * (d[j] as number);
      const keptSet = kept[b] as Set<number>;
      const minKept = Math.min(...[...keptSet].map(score));
      const maxRemoved = Math.max(
        ...Array.from({ length: 128 }, (_, j) => j)
          .filter((j) => !keptSet.has(j))
          .map(score),
      );
      expect(keptSet.size).toBe(116);
      expect(minKept).toBeGreaterThanOrEqual(maxRemoved);
    });
  });

  it("rounds the kept count up to multipleOf", async () => {
    const { report } = await structuredFfn.apply(
      bert,
      structuredFfn.options.parse({ ratio: 0.3, multipleOf: 16 }),
    );
    expect(report.intermediateAfter).toEqual([96, 96]); // 128 − 38 = 90 → 96
  });

  it("legacy GPT-2: Gemm weights, a tied bias and the Reshape constant naming the size are rewritten", async () => {
    const gpt2 = decodeModel(readFileSync(modelPath("gpt2-legacy")));
    const { model, report } = await structuredFfn.apply(gpt2, structuredFfn.options.parse({ ratio: 0.5 }));
    expect(report.blocks).toBe(2);
    expect(countParameters(gpt2) - countParameters(model)).toBe(2 * 64 * (32 + 32)); // the 128-bias was shared
    const editor = new GraphEditor(model);
    const reshapeSizes = editor.nodeList
      .filter((n) => n.opType === "Concat" && (n.output[0] ?? "").includes("mlp/c_fc/Concat_1"))
      .map((n) => intValues(editor.resolve(n.input[2] ?? "")?.tensor ?? ({} as never)));
    expect(reshapeSizes).toEqual([[64], [64]]);
    const out = output(await runModel(encodeModel(model), reference("gpt2-legacy")), "logits");
    expect(out.dims).toEqual([2, 8, 512]);
    // random weights: no claim about closeness, only that it computes something finite
    expect([...(out.data as Float32Array)].every(Number.isFinite)).toBe(true);
    // ratio 0 changes nothing
    const same = await structuredFfn.apply(gpt2, structuredFfn.options.parse({ ratio: 0 }));
    const ref = reference("gpt2-legacy");
    expect(
      maxAbsDiff(output(await runModel(encodeModel(same.model), ref), "logits"), ref.outputs.logits as never),
    ).toBeLessThan(1e-4);
  });

  it("dynamo BERT (external data, a bias shared by both layers): runs with shrunken shapes", async () => {
    const dir = join(fixturesDir, "bert-dynamo");
    const model = decodeModel(readFileSync(modelPath("bert-dynamo")), {
      externalData: { "model.onnx.data": readFileSync(join(dir, "model.onnx.data")) },
    });
    const { model: pruned, report } = await structuredFfn.apply(
      model,
      structuredFfn.options.parse({ ratio: 0.25 }),
    );
    expect(report.blocks).toBe(2);
    expect(report.intermediateAfter).toEqual([48, 48]);
    // 16 neurons × (32 in + 32 out) per layer; the one shared [64] bias becomes two [48] copies (+32)
    expect(countParameters(model) - countParameters(pruned)).toBe(2 * 16 * 64 - (2 * 48 - 64));
    const out = output(await runModel(encodeModel(pruned), reference("bert-dynamo")), "logits");
    expect(out.dims).toEqual([2, 3]);
  });

  it("says so when a model has no FFN block", () => {
    const int4 = decodeModel(readFileSync(modelPath("int4-matmul")));
    expect(() => structuredFfn.apply(int4, structuredFfn.options.parse({ ratio: 0.5 }))).toThrow(
      /no FFN block/,
    );
    expect(structuredFfn.options.safeParse({ ratio: 1 }).success).toBe(false);
  });
});
