// 2:4 (and other N:M) pruning, measured: every group of M consecutive weights along the input
// dimension — columns of a MatMul's [in,out] weight, rows of a transposed Gemm weight — holds at
// least M − N zeros, the survivors are the group's largest, sparsity is 1 − N/M, the model still
// agrees with the original, and the download shrinks.
import { describe, expect, it } from "vitest";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { findLinearWeights, floatValues, GraphEditor, type LinearWeight } from "../pruning/graph.ts";
import { calibrateTrained, quality, trainedModel, transportSizes } from "../pruning/test-support.ts";
import { nmPrune } from "./nm-prune.ts";

const base = trainedModel();

function weights(model: ModelProto): Map<string, { w: LinearWeight; v: Float32Array }> {
  return new Map(
    findLinearWeights(new GraphEditor(model)).map((w) => [w.name, { w, v: floatValues(w.tensor) }]),
  );
}

/** Calls fn(group positions) for every group of m consecutive inputs of every output. */
function forEachGroup(w: LinearWeight, m: number, fn: (positions: number[]) => void): void {
  const [r, c] = w.dims;
  const [inDim, outDim] = w.transposed ? [c, r] : [r, c];
  for (let j = 0; j < outDim; j++)
    for (let g = 0; g < inDim; g += m)
      fn(Array.from({ length: m }, (_, t) => (w.transposed ? j * inDim + g + t : (g + t) * outDim + j)));
}

describe("prune-nm", () => {
  it("2:4: every group of 4 along the input dimension has at least 2 zeros, the 2 largest survive", async () => {
    const { model, report } = await nmPrune.apply(base, nmPrune.options.parse({}));
    const original = weights(base);
    const pruned = weights(model);
    expect(report.skipped).toEqual([]);
    expect(report.tensorsPruned).toBe(14);
    let groups = 0;
    let tooFewZeros = 0;
    let wrongSurvivor = 0;
    for (const [name, { w, v }] of original) {
      const p = pruned.get(name)?.v as Float32Array;
      forEachGroup(w, 4, (pos) => {
        groups++;
        const kept = pos.filter((k) => p[k] !== 0);
        const dropped = pos.filter((k) => p[k] === 0);
        if (dropped.length < 2) tooFewZeros++;
        for (const k of kept) {
          if (p[k] !== v[k]) wrongSurvivor++;
          for (const d of dropped) if (Math.abs(v[k] as number) < Math.abs(v[d] as number)) wrongSurvivor++;
        }
      });
    }
    expect(groups).toBe(6416); // Σ in·out / 4 over the 14 weights
    expect(tooFewZeros).toBe(0);
    expect(wrongSurvivor).toBe(0);
    expect(report.sparsity).toBe(0.5);
    const q = await quality(model);
    expect(q.agreement).toBeGreaterThanOrEqual(0.98);
    expect(transportSizes(model).gzip).toBeLessThan(transportSizes(base).gzip * 0.8);
  });

  it("the groups really run along the input dimension (1:8: exactly 7 zeros per input group)", async () => {
    // If groups ran along the output dimension instead, some input-dimension groups would be all zeros
    // or all kept; with N:M along inputs each holds exactly M − N zeros (no weight was zero before).
    const { model } = await nmPrune.apply(base, nmPrune.options.parse({ n: 1, m: 8 }));
    let bad = 0;
    for (const { w, v } of weights(model).values())
      forEachGroup(w, 8, (pos) => {
        if (pos.filter((k) => v[k] === 0).length !== 7) bad++;
      });
    expect(bad).toBe(0);
  });

  it("with calibration norms, survivors are chosen by |w|·‖x‖", async () => {
    const norms = await calibrateTrained(base, 32);
    const { model } = await nmPrune.apply(base, nmPrune.options.parse({ activationNorms: norms }));
    const original = weights(base);
    let bad = 0;
    for (const [name, { w, v }] of weights(model)) {
      const o = original.get(name)?.v as Float32Array;
      const n = norms[name] as number[];
      const [r, c] = w.dims;
      const inDim = w.transposed ? c : r;
      const inputOf = (k: number) => (w.transposed ? k % inDim : Math.floor(k / c));
      forEachGroup(w, 4, (pos) => {
        const score = (k: number) => Math.abs(o[k] as number) * (n[inputOf(k)] as number);
        const kept = pos.filter((k) => v[k] !== 0);
        for (const k of kept) for (const d of pos) if (v[d] === 0 && score(k) < score(d)) bad++;
      });
    }
    expect(bad).toBe(0);
    expect((await quality(model)).agreement).toBeGreaterThanOrEqual(0.98);
  });

  it("rejects n ≥ m; leaves tensors whose input dimension is not a multiple of m and says so", async () => {
    expect(nmPrune.options.safeParse({ n: 4, m: 4 }).success).toBe(false);
    // inputs are 32 (Q/K/V/O, up, pooler, classifier) or 128 (FFN down): only the latter divide by 64
    const { report } = await nmPrune.apply(base, nmPrune.options.parse({ n: 32, m: 64 }));
    expect(report.tensorsPruned).toBe(2);
    expect(report.skipped).toHaveLength(12);
    expect(report.sparsity).toBe(0.5);
    expect(() => nmPrune.apply(base, nmPrune.options.parse({ n: 2, m: 3 }))).toThrow(/divisible by 3/);
  });
});
