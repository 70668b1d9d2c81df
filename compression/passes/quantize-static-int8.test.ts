// Static int8 QDQ against fp32 and against onnxruntime's quantize_static on the MLP of
// compression/fixtures/quantizer-reference, calibrated on the same batches (with a few input
// outliers) that scripts/fixtures/make_static_quantizer_reference.py fed onnxruntime's quantizer,
// and evaluated on the same fixed inputs. Calibration runs our probe in real onnxruntime-node.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { calibrateStatic } from "../calibration/calibrate.ts";
import { ActivationRanges } from "../calibration/index.ts";
import { staticCalibrationProbe } from "../calibration/probe.ts";
import type { ActivationRange, CalibrationMethod } from "../calibration/ranges.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { calibrationFeeds, quality, trainedModel, trainedReference } from "../pruning/test-support.ts";
import {
  cosine,
  floats,
  maxAbsDiff,
  runFloat,
  runFloatProbe,
  tiny,
  tinyModel,
  top1Agreement,
} from "../quantize/test-support.ts";
import { runRecipe, staticInt8Recipe } from "../recipes/index.ts";
import { activationParams, quantizeStaticInt8 } from "./quantize-static-int8.ts";

interface Figures {
  bytes: number;
  ratio: number;
  maxAbsDiff: number;
  cosine: number;
  top1Agreement: number;
  ranges: Record<string, [number, number]>;
}
interface Reference {
  model: string;
  calibration: { dims: number[]; data: number[] }[];
  inputs: { x: { dims: number[]; data: number[] } };
  outputClasses: number;
  methods: Record<CalibrationMethod, Figures>;
}

const root = join(import.meta.dirname, "..", "..");
const reference = JSON.parse(
  readFileSync(join(root, "compression", "fixtures", "static-quantizer-reference", "reference.json"), "utf8"),
) as Reference;
const batches = reference.calibration.map((b) => ({
  x: new ort.Tensor("float32", Float32Array.from(b.data), b.dims),
}));
const evaluation = {
  x: new ort.Tensor("float32", Float32Array.from(reference.inputs.x.data), reference.inputs.x.dims),
};

const apply = (model: ModelProto, options: object) =>
  quantizeStaticInt8.apply(model, quantizeStaticInt8.options.parse(options));

describe("quantize-static-int8 (QDQ with calibrated activation ranges)", () => {
  it("the reference was recorded with onnxruntime's quantize_static on the same MLP", () => {
    expect(reference.model).toBe("compression/fixtures/quantizer-reference/mlp.onnx");
    expect(Object.keys(reference.methods).sort()).toEqual(["entropy", "minmax", "percentile"]);
  });

  it("every method: file ≤ theirs + 5 %, ≤ 27 % of fp32; agreement and cosine with fp32 at least theirs", async () => {
    const model = await readModelFile(join(root, reference.model));
    const fp32Bytes = encodeModel(model).length;
    const base = floats((await runFloat(model, evaluation)).logits);
    for (const method of ["minmax", "percentile", "entropy"] as const) {
      const theirs = reference.methods[method];
      const ranges = await calibrateStatic(model, batches, runFloatProbe, { method });
      const { model: q, report } = await apply(model, { ranges });
      expect(report.nodesQuantized, method).toBe(3);
      const ops = (q.graph?.node ?? []).map((n) => n.opType);
      expect(ops.filter((o) => o === "QuantizeLinear").length, method).toBe(3);
      expect(ops.filter((o) => o === "DequantizeLinear").length, method).toBe(6);
      const bytes = encodeModel(q).length;
      const got = floats((await runFloat(q, evaluation)).logits);
      const figures = {
        ratio: bytes / fp32Bytes,
        top1: top1Agreement(got, base, reference.outputClasses),
        cosine: cosine(got, base),
        maxAbsDiff: maxAbsDiff(got, base),
      };
      expect(figures.ratio, method).toBeLessThanOrEqual(Math.min(0.27, theirs.ratio * 1.05));
      expect(figures.top1, method).toBeGreaterThanOrEqual(theirs.top1Agreement - 0.01);
      expect(figures.cosine, method).toBeGreaterThanOrEqual(theirs.cosine - 1e-4);
      expect(figures.top1, method).toBeGreaterThanOrEqual(0.95);
      // The quantization is real: outputs are not the fp32 ones.
      expect(figures.maxAbsDiff, method).toBeGreaterThan(1e-3);
      // At onnxruntime's full optimization (QDQ fused into integer kernels) the file runs and agrees too.
      const fused = floats((await runFloat(q, evaluation, "all")).logits);
      expect(top1Agreement(fused, base, reference.outputClasses), method).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("input outliers: percentile and entropy ranges are tighter than MinMax's (which match onnxruntime's)", async () => {
    const model = await readModelFile(join(root, reference.model));
    const probe = staticCalibrationProbe(model);
    expect(probe.taps.map((t) => t.tensor)).toEqual(["x", "fc0_out", "fc1_out"]);
    const collector = new ActivationRanges(probe.taps);
    for (const feeds of batches) collector.add(await runFloatProbe(probe.model, feeds));
    const width = (r: ActivationRange) => r.max - r.min;
    const minmax = collector.result({ method: "minmax" });
    const percentile = collector.result({ method: "percentile", percentile: 99.9 });
    const entropy = collector.result({ method: "entropy" });
    // MinMax sees the ±12 outliers in x, as onnxruntime's MinMax calibrator did (within one step of its uint8 grid).
    const theirs = reference.methods.minmax.ranges.x as [number, number];
    expect((minmax.x as ActivationRange).min).toBeCloseTo(-12, 5);
    expect(Math.abs((minmax.x as ActivationRange).min - theirs[0])).toBeLessThan(0.1);
    for (const tensor of ["x", "fc0_out", "fc1_out"]) {
      const full = width(minmax[tensor] as ActivationRange);
      expect(width(percentile[tensor] as ActivationRange), tensor).toBeLessThan(full);
      expect(width(entropy[tensor] as ActivationRange), tensor).toBeLessThan(full);
    }
    // The outliers are 0.02 % of x: both methods clip them to the bulk (|x| ≤ 3).
    expect(width(percentile.x as ActivationRange)).toBeLessThan(7);
    expect(width(entropy.x as ActivationRange)).toBeLessThan(7);
  });

  it("onnxruntime computes the QDQ model exactly: activations snapped to the uint8 grid, weights to int8 per channel", async () => {
    const model = tinyModel();
    const x = Float32Array.from({ length: 4 * tiny.k }, (_, i) => ((i * 13) % 17) / 8 - 1);
    const feeds = { x: new ort.Tensor("float32", x, [4, tiny.k]) };
    const ranges = await calibrateStatic(model, [feeds], runFloatProbe);
    expect(Object.keys(ranges).sort()).toEqual(["h", "x"]);
    const { model: q } = await apply(model, { ranges });
    const init = q.graph?.initializer ?? [];
    expect(init.filter((t) => t.dataType === DataType.INT8 && t.dims.length === 2).length).toBe(2);
    expect(init.filter((t) => t.dataType === DataType.FLOAT && t.dims.length === 2)).toEqual([]);
    // The first QDQ pair alone: x snapped to its grid.
    const { scale, zeroPoint } = activationParams(ranges.x as ActivationRange, "uint8");
    const snapped = x.map(
      (v) => (Math.min(255, Math.max(0, Math.round(v / scale) + zeroPoint)) - zeroPoint) * scale,
    );
    const probe: ModelProto = {
      ...q,
      graph: {
        ...(q.graph as NonNullable<ModelProto["graph"]>),
        output: [
          { name: "x_dequantized", type: { tensorType: { elemType: DataType.FLOAT } }, metadataProps: [] },
        ],
      },
    };
    const dq = floats((await runFloat(probe, feeds)).x_dequantized);
    expect(maxAbsDiff(dq, snapped)).toBeLessThan(1e-6);
  });

  it("a missing range or an inverted one is a clear error, before any work", async () => {
    const model = tinyModel();
    await expect(async () => apply(model, { ranges: { x: { min: -1, max: 1 } } })).rejects.toThrow(
      /no calibrated range for activation "h"/,
    );
    expect(() => quantizeStaticInt8.options.parse({ ranges: { x: { min: 1, max: -1 } } })).toThrow(
      /min must not exceed max/,
    );
    expect(() => quantizeStaticInt8.options.parse({})).toThrow();
  });

  it("staticInt8Recipe: the calibrated ranges as a validated recipe (model_static_int8.onnx), same outputs as the pass, smaller file", async () => {
    const model = await readModelFile(join(root, reference.model));
    const ranges = await calibrateStatic(model, batches, runFloatProbe, { method: "entropy" });
    const recipe = staticInt8Recipe(ranges);
    expect(recipe.output).toBe("model_static_int8.onnx");
    expect(recipe.steps.map((s) => s.pass)).toEqual([
      "quantize-static-int8",
      "quantize-embedding",
      "compact-names",
    ]);
    const viaRecipe = encodeModel((await runRecipe(model, recipe)).model);
    const viaPass = encodeModel((await apply(model, { ranges })).model);
    expect(viaRecipe.length).toBeLessThan(viaPass.length);
    const a = floats((await runFloat(viaRecipe, evaluation)).logits);
    const b = floats((await runFloat(viaPass, evaluation)).logits);
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(() => staticInt8Recipe({ x: { min: 2, max: 1 } })).toThrow(
      /steps\.0 \(quantize-static-int8\) options: ranges\.x/,
    );
  });

  it("trained BERT fixture (held-out examples): every method keeps fp32's accuracy and labels; the file sheds over half the MatMul weights' float bytes", async () => {
    const model = trainedModel();
    const fp32 = encodeModel(model).length;
    const calibration = [calibrationFeeds(32, 7), calibrationFeeds(32, 8)]; // fresh inputs, not the scored ones
    for (const method of ["minmax", "percentile", "entropy"] as const) {
      const ranges = await calibrateStatic(model, calibration, runFloatProbe, { method });
      const { model: q, report } = await apply(model, { ranges });
      const figures = await quality(q);
      expect(figures.accuracy, method).toBe(trainedReference().accuracy);
      expect(figures.agreement, method).toBe(1);
      expect(figures.cosine, method).toBeGreaterThan(0.9999);
      expect(figures.maxAbsDiff, method).toBeGreaterThan(0); // quantized for real
      const saved = fp32 - encodeModel(q).length;
      // int8 saves 3/4 of them; per-channel scales and the QDQ nodes' (long) names take back some (measured 0.61).
      expect(saved, method).toBeGreaterThan(0.55 * (report.floatWeightBytes as number));
    }
  });
});
