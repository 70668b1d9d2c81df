// Mixed precision on the trained BERT classifier fixture, in onnxruntime-node: the chosen mix meets
// a budget that all-q4 misses, is smaller than all-q8, and the layers it keeps high are the ones
// that matter (promoting the least sensitive layers instead does not meet the budget).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { indexGraph } from "../graph/graph.ts";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import type { GraphProto, ModelProto } from "../onnx-io/onnx-types.ts";
import { fixturesDir } from "../onnx-io/test-fixtures.ts";
import { compactNames } from "../passes/compact-names.ts";
import { quantize4bit } from "../passes/quantize-4bit.ts";
import { quantizeDynamicInt8 } from "../passes/quantize-dynamic-int8.ts";
import { findWeightSites } from "../quantize/sites.ts";
import { compareRuns, type RunOutputs } from "./agreement.ts";
import { applyPrecisions, mixedPrecision, type Precision } from "./mixed-precision.ts";
import { ortNodeRunner } from "./node-runner.ts";

const dir = join(fixturesDir, "bert-legacy-trained");
const ref = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as {
  inputs: { input_ids: { data: number[] } };
  labels: number[];
};
const model = decodeModel(readFileSync(join(dir, "model.onnx")));
const seq = 16;
const feeds: Record<string, ort.Tensor>[] = [];
const labels: number[][] = [];
// half of the fixture's 256 labelled rows: enough to rank 14 layers, and each search stays quick
for (let b = 0; b < 128; b += 64) {
  const ids = ref.inputs.input_ids.data.slice(b * seq, (b + 64) * seq);
  feeds.push({
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [64, seq]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(64 * seq).fill(1n), [64, seq]),
  });
  labels.push(ref.labels.slice(b, b + 64));
}
const run = ortNodeRunner(feeds);
const budget = { maxRelativeError: 0.002, minTop1Agreement: 1 };

describe("accuracy-gated mixed precision", () => {
  it("meets a budget all-q4 misses, with a file smaller than all-q8, mixing MatMulNBits and MatMulInteger", async () => {
    const reference = await run(encodeModel(model));
    const q4 = await quantize4bit.apply(model, quantize4bit.options.parse({}));
    const allQ4 = compareRuns(reference, await run(encodeModel(q4.model)));
    expect(allQ4.relativeError).toBeGreaterThan(budget.maxRelativeError);

    const { model: mixed, report } = await mixedPrecision(model, { low: "q4", high: "q8", budget }, run, {
      labels,
    });
    expect(report.met).toBe(true);
    expect(report.allLow.relativeError).toBeCloseTo(allQ4.relativeError, 6);
    // measured again from the file it returns, not taken from the report
    const mixedBytes = encodeModel(mixed);
    const measured = compareRuns(reference, await run(mixedBytes), { labels });
    expect(measured.relativeError).toBeLessThanOrEqual(budget.maxRelativeError);
    expect(measured.top1).toBe(1);
    expect(measured.accuracy).toBe(1);
    // it ends with compact-names, like the presets: the same mix with the exporter's names is larger
    // and computes exactly the same outputs
    const named = encodeModel(
      await applyPrecisions(model, new Map(report.layers.map((l) => [l.node, l.precision]))),
    );
    expect(mixedBytes.length).toBeLessThan(0.95 * named.length);
    expect(await run(mixedBytes)).toEqual(await run(named));
    expect(mixed.graph?.node.some((n) => n.name)).toBe(false);

    const ops = mixed.graph?.node.map((n) => n.opType) ?? [];
    const high = report.layers.filter((l) => l.precision === "q8");
    expect(high.length).toBeGreaterThan(0);
    expect(high.length).toBeLessThan(report.layers.length);
    expect(ops.filter((o) => o === "MatMulNBits")).toHaveLength(report.layers.length - high.length);
    expect(ops.filter((o) => o === "MatMulInteger")).toHaveLength(high.length);

    // sizes compared like with like: all-q8 and all-q4 with compact names too
    const compact = async (m: ModelProto) =>
      encodeModel((await compactNames.apply(m, compactNames.options.parse({ nodeNames: "drop" }))).model);
    const q8 = await quantizeDynamicInt8.apply(model, quantizeDynamicInt8.options.parse({}));
    expect(mixedBytes.length).toBeLessThan((await compact(q8.model)).length);
    expect(mixedBytes.length).toBeGreaterThan((await compact(q4.model)).length);
  });

  it("promotes the most sensitive layers: the same number of least sensitive ones misses the budget", async () => {
    const { report } = await mixedPrecision(model, { budget: { maxRelativeError: 0.0008 } }, run);
    expect(report.met).toBe(true);
    const promoted = report.layers.filter((l) => l.precision === "q8").length;
    const bySensitivity = [...report.layers].sort((a, b) => a.sensitivity - b.sensitivity);
    // every promoted layer is at least as sensitive as every layer left at q4
    const lowMax = Math.max(...report.layers.filter((l) => l.precision === "q4").map((l) => l.sensitivity));
    for (const l of report.layers.filter((x) => x.precision === "q8"))
      expect(l.sensitivity).toBeGreaterThanOrEqual(lowMax);
    const least = new Map<string, Precision>(
      bySensitivity.map((l, i) => [l.node, i < promoted ? "q8" : "q4"] as [string, Precision]),
    );
    const reference = await run(encodeModel(model));
    const wrongChoice = compareRuns(reference, await run(encodeModel(await applyPrecisions(model, least))));
    expect(wrongChoice.relativeError).toBeGreaterThan(0.0008);
  });

  it("quantizes embedding tables in every candidate when asked, so the budget holds for the file as shipped", async () => {
    const plain = await mixedPrecision(model, { budget }, run);
    const withEmbeddings = await mixedPrecision(model, { budget, embeddings: "q8" }, run);
    expect(withEmbeddings.report.met).toBe(true);
    const bytes = encodeModel(withEmbeddings.model);
    expect(bytes.length).toBeLessThan(encodeModel(plain.model).length);
    expect(withEmbeddings.model.graph?.node.some((n) => n.opType === "DequantizeLinear")).toBe(true);
    const reference = await run(encodeModel(model));
    expect(compareRuns(reference, await run(bytes)).relativeError).toBeLessThanOrEqual(
      budget.maxRelativeError,
    );
  });

  it("keeps fp32 as the high precision when asked, and reports an unreachable budget as not met", async () => {
    const exact = await mixedPrecision(model, { high: "fp32", budget: { maxRelativeError: 0 } }, run);
    expect(exact.report.met).toBe(true);
    expect(exact.report.layers.every((l) => l.precision === "fp32")).toBe(true);
    expect(exact.model.graph?.node.some((n) => n.opType === "MatMulNBits")).toBe(false);
    const unreachable = await mixedPrecision(model, { high: "q8", budget: { maxRelativeError: 0 } }, run);
    expect(unreachable.report.met).toBe(false);
    expect(unreachable.report.chosen.relativeError).toBeGreaterThan(0);
    expect(unreachable.report.layers.every((l) => l.precision === "q8")).toBe(true);
  });

  it("runs with any runtime: onnxruntime-web (WASM) picks the same layers as onnxruntime-node", async () => {
    ortWeb.env.wasm.numThreads = 1;
    ortWeb.env.wasm.wasmBinary = readFileSync(
      createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
    );
    const webRun = async (bytes: Uint8Array): Promise<RunOutputs[]> => {
      const session = await ortWeb.InferenceSession.create(bytes, { graphOptimizationLevel: "basic" });
      try {
        const runs: RunOutputs[] = [];
        for (const f of feeds.slice(0, 1)) {
          const webFeeds = Object.fromEntries(
            Object.entries(f).map(([k, t]) => [
              k,
              new ortWeb.Tensor("int64", t.data as BigInt64Array, t.dims),
            ]),
          );
          const out = await session.run(webFeeds);
          runs.push({ logits: { data: out.logits?.data as Float32Array, dims: out.logits?.dims ?? [] } });
        }
        return runs;
      } finally {
        await session.release();
      }
    };
    // three layers in play (the rest stay float) keep the number of WASM sessions small
    const inPlay = [
      "/bert/encoder/layer.1/attention/self/query/MatMul",
      "/bert/pooler/dense/Gemm",
      "/classifier/Gemm",
    ];
    const graph = model.graph as GraphProto;
    const all = findWeightSites(graph, indexGraph(graph), { exclude: [], minElements: 16 }).sites.map(
      (site) => site.node.name ?? "",
    );
    const options = { budget: { maxRelativeError: 0.001 }, exclude: all.filter((n) => !inPlay.includes(n)) };
    const web = await mixedPrecision(model, options, webRun);
    const node = await mixedPrecision(model, options, ortNodeRunner(feeds.slice(0, 1)));
    expect(web.report.layers.map((l) => l.node)).toEqual(inPlay);
    expect(web.report.met).toBe(true);
    expect(web.report.layers.map((l) => l.precision)).toEqual(node.report.layers.map((l) => l.precision));
    expect(web.report.layers.some((l) => l.precision === "q8")).toBe(true);
  });

  it("refuses options that cannot work, before running anything", async () => {
    let runs = 0;
    const counting = async (bytes: Uint8Array) => {
      runs++;
      return run(bytes);
    };
    await expect(mixedPrecision(model, { budget: {} }, counting)).rejects.toThrow(/at least one budget/);
    await expect(
      mixedPrecision(model, { low: "q8", high: "q4", budget: { minCosine: 0.9 } }, counting),
    ).rejects.toThrow(/low must be a lower precision/);
    await expect(mixedPrecision(model, { budget: { maxAccuracyDrop: 0.01 } }, counting)).rejects.toThrow(
      /needs labelled inputs/,
    );
    expect(runs).toBe(0);
  });
});
