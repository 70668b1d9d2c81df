// Magnitude pruning, measured: exact sparsity per tensor (layer scope) and overall (global scope),
// the global threshold really is global, weights reached through Constant/Identity nodes are pruned,
// the input model is untouched, the pruned model still runs and agrees with the original on the
// trained fixture's held-out examples, and — the point for users — it downloads smaller with
// gzip and brotli, more so the sparser it is.

import { readFileSync } from "node:fs";
import Long from "long";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import type { ModelProto, NodeProto } from "../onnx-io/onnx-types.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import { emptyTensor, findLinearWeights, floatValues, GraphEditor, PruneError } from "../pruning/graph.ts";
import { quality, trainedModel, transportSizes } from "../pruning/test-support.ts";
import { pruneMagnitude } from "./prune-magnitude.ts";

const base = trainedModel();

function weightsOf(model: ModelProto): Map<string, Float32Array> {
  const editor = new GraphEditor(model);
  return new Map(findLinearWeights(editor).map((w) => [w.name, floatValues(w.tensor)]));
}

const zeros = (v: Float32Array) => v.reduce((n, x) => n + (x === 0 ? 1 : 0), 0);

describe("prune-magnitude", () => {
  it("finds every MatMul/Gemm weight of the legacy export, onnx::MatMul_* included", () => {
    const names = [...weightsOf(base).keys()];
    // 2 layers × (Q, K, V, O, up, down) MatMuls + pooler and classifier Gemms
    expect(names).toHaveLength(14);
    expect(names.filter((n) => n.startsWith("onnx::MatMul_"))).toHaveLength(12);
    expect(names).toContain("classifier.weight");
  });

  it("layer scope: each tensor reaches the target exactly, smallest magnitudes go first", async () => {
    const before = encodeModel(base);
    const { model, report } = await pruneMagnitude.apply(
      base,
      pruneMagnitude.options.parse({ sparsity: 0.5 }),
    );
    expect(Buffer.from(encodeModel(base)).equals(Buffer.from(before))).toBe(true); // input untouched
    const original = weightsOf(base);
    for (const [name, v] of weightsOf(model)) {
      const o = original.get(name) as Float32Array;
      expect(zeros(v)).toBe(Math.round(o.length * 0.5));
      let maxZeroed = 0;
      let minKept = Number.POSITIVE_INFINITY;
      v.forEach((x, i) => {
        const m = Math.abs(o[i] as number);
        if (x === 0) maxZeroed = Math.max(maxZeroed, m);
        else {
          minKept = Math.min(minKept, m);
          expect(x).toBe(o[i]); // kept weights are unchanged
        }
      });
      expect(maxZeroed).toBeLessThanOrEqual(minKept);
    }
    expect(report.sparsity).toBe(0.5);
    expect(report.tensorsPruned).toBe(14);
    expect(report.tensorSparsity).toEqual(Array(14).fill(0.5));
  });

  it("global scope: one threshold across tensors, overall target reached, layers differ", async () => {
    const { model, report } = await pruneMagnitude.apply(
      base,
      pruneMagnitude.options.parse({ sparsity: 0.6, scope: "global" }),
    );
    const original = weightsOf(base);
    let total = 0;
    let zeroed = 0;
    let maxZeroed = 0;
    let minKept = Number.POSITIVE_INFINITY;
    for (const [name, v] of weightsOf(model)) {
      const o = original.get(name) as Float32Array;
      total += v.length;
      zeroed += zeros(v);
      v.forEach((x, i) => {
        if (x === 0) maxZeroed = Math.max(maxZeroed, Math.abs(o[i] as number));
        else minKept = Math.min(minKept, Math.abs(o[i] as number));
      });
    }
    expect(zeroed).toBe(Math.round(total * 0.6));
    expect(maxZeroed).toBeLessThanOrEqual(minKept);
    expect(report.sparsity).toBeCloseTo(0.6, 4);
    const per = report.tensorSparsity as number[];
    expect(Math.max(...per) - Math.min(...per)).toBeGreaterThan(0.1);
  });

  it("prunes weights reached through Constant and Identity nodes", async () => {
    const editor = new GraphEditor(base);
    const target = findLinearWeights(editor).find((w) => w.name.startsWith("onnx::MatMul_"));
    if (!target) throw new Error("no weight");
    const g = base.graph as NonNullable<ModelProto["graph"]>;
    const constant: NodeProto = {
      input: [],
      output: ["w_const"],
      opType: "Constant",
      attribute: [
        {
          name: "value",
          type: 4,
          t: { ...target.tensor, name: undefined },
          floats: [],
          ints: [],
          strings: [],
          tensors: [],
          graphs: [],
          typeProtos: [],
          sparseTensors: [],
        },
      ],
      metadataProps: [],
      deviceConfigurations: [],
    };
    const identity: NodeProto = {
      ...constant,
      opType: "Identity",
      input: ["w_const"],
      output: [target.name],
      attribute: [],
    };
    const moved: ModelProto = {
      ...base,
      graph: {
        ...g,
        initializer: g.initializer.filter((t) => t.name !== target.name),
        node: [constant, identity, ...g.node],
      },
    };
    const { model, report } = await pruneMagnitude.apply(
      moved,
      pruneMagnitude.options.parse({ sparsity: 0.5 }),
    );
    expect(report.prunedTensors).toContain("w_const");
    const node = model.graph?.node.find((n) => n.output[0] === "w_const");
    const t = node?.attribute[0]?.t ?? emptyTensor();
    expect(zeros(floatValues(t))).toBe(Math.round(target.dims[0] * target.dims[1] * 0.5));
    expect((await quality(model)).agreement).toBeGreaterThan(0.95); // still a valid, runnable graph
  });

  it("outputs stay close and the download shrinks with sparsity (raw, gzip, brotli measured)", async () => {
    const original = transportSizes(base);
    const rows: { sparsity: number; gzip: number; brotli: number; raw: number }[] = [];
    for (const sparsity of [0.3, 0.5, 0.7]) {
      const { model } = await pruneMagnitude.apply(
        base,
        pruneMagnitude.options.parse({ sparsity, scope: "global" }),
      );
      const q = await quality(model);
      expect(q.agreement).toBeGreaterThanOrEqual(0.98);
      expect(q.accuracy).toBeGreaterThanOrEqual(0.97);
      expect(q.cosine).toBeGreaterThan(0.99);
      rows.push({ sparsity, ...transportSizes(model) });
    }
    for (const r of rows) {
      expect(r.raw).toBe(original.raw); // dense storage: same raw bytes…
      expect(r.gzip).toBeLessThan(original.gzip); // …but smaller over the wire
      expect(r.brotli).toBeLessThan(original.brotli);
    }
    // sparser → smaller, and at 50 % the gzip download drops by at least a quarter
    expect(rows[1]?.gzip).toBeLessThan(rows[0]?.gzip as number);
    expect(rows[2]?.gzip).toBeLessThan(rows[1]?.gzip as number);
    expect(rows[2]?.brotli).toBeLessThan(rows[1]?.brotli as number);
    expect(rows[1]?.gzip).toBeLessThan(original.gzip * 0.75);
  });

  it("excludes by name or /regex/, skips tensors under minElements", async () => {
    const { model, report } = await pruneMagnitude.apply(
      base,
      pruneMagnitude.options.parse({ sparsity: 0.5, exclude: ["/^bert\\.pooler\\./"], minElements: 65 }),
    );
    const w = weightsOf(model);
    expect(zeros(w.get("classifier.weight") as Float32Array)).toBe(0); // 2×32 = 64 < 65
    expect(zeros(w.get("bert.pooler.dense.weight") as Float32Array)).toBe(0); // excluded by pattern
    expect(report.tensorsPruned).toBe(12);
  });

  it("rejects bad options and unresolved external data with clear errors", async () => {
    expect(pruneMagnitude.options.safeParse({ sparsity: 1 }).success).toBe(false);
    expect(pruneMagnitude.options.safeParse({ sparsity: 0.5, scope: "row" }).success).toBe(false);
    const external = decodeModel(readFileSync(modelPath("bert-dynamo")));
    expect(() => pruneMagnitude.apply(external, pruneMagnitude.options.parse({ sparsity: 0.5 }))).toThrow(
      /external data; resolve it first/,
    );
    expect(() =>
      pruneMagnitude.apply(base, pruneMagnitude.options.parse({ sparsity: 0.5, exclude: ["/./"] })),
    ).toThrow(PruneError);
  });

  it("keeps Long dims intact", async () => {
    const { model } = await pruneMagnitude.apply(base, pruneMagnitude.options.parse({ sparsity: 0.1 }));
    for (const t of model.graph?.initializer ?? []) for (const d of t.dims) expect(Long.isLong(d)).toBe(true);
  });
});
