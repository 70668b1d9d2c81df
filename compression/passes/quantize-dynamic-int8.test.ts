import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodedModelSize } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import {
  floats,
  maxAbsDiff,
  randomValues,
  runFloat,
  tiny,
  tinyForward,
  tinyModel,
  tokenFeeds,
  top1Agreement,
} from "../quantize/test-support.ts";
import { quantizeDynamicInt8 } from "./quantize-dynamic-int8.ts";

const apply = async (model: ModelProto, options: object = {}) =>
  quantizeDynamicInt8.apply(model, quantizeDynamicInt8.options.parse(options));
const ops = (m: ModelProto, op: string) => m.graph?.node.filter((n) => n.opType === op).length ?? 0;

describe("quantize-dynamic-int8 (q8)", () => {
  it("quantizes weights behind Identity and in Constant nodes, and transposed Gemm with alpha/beta/bias", async () => {
    const model = tinyModel();
    const { model: q, report } = await apply(model);
    expect(report.nodesQuantized).toBe(2);
    expect(ops(q, "MatMulInteger")).toBe(2);
    expect(ops(q, "MatMul") + ops(q, "Gemm") + ops(q, "Constant") + ops(q, "Identity")).toBe(0);
    // The float weights are gone: only the bias and scales stay float32.
    const floatInits = q.graph?.initializer.filter((t) => t.dataType === DataType.FLOAT) ?? [];
    expect(floatInits.reduce((n, t) => n + (t.rawData?.length ?? 0), 0)).toBeLessThan(
      (tiny.n + tiny.h + tiny.n) * 4 + 8,
    );
    expect(
      q.graph?.initializer.filter((t) => t.dataType === DataType.INT8).map((t) => t.dims.map(Number)),
    ).toEqual([
      [tiny.k, tiny.h],
      [tiny.h, tiny.n],
    ]);
    const x = randomValues(8 * tiny.k, 9);
    const expected = tinyForward(
      x,
      8,
      randomValues(tiny.k * tiny.h, 1, 0.2),
      randomValues(tiny.n * tiny.h, 2, 0.2),
    );
    const got = floats((await runFloat(q, { x: new ort.Tensor("float32", x, [8, tiny.k]) })).y);
    const range = Math.max(...expected.map(Math.abs));
    expect(maxAbsDiff(got, expected)).toBeLessThan(0.02 * range);
    expect(maxAbsDiff(got, expected)).toBeGreaterThan(0); // really quantized, not passed through
  });

  it.each(["gpt2-legacy", "bert-dynamo"] as const)(
    "%s: a quarter of the weight bytes, ≥ 99 % top-1 agreement",
    async (name) => {
      const model = await readModelFile(modelPath(name));
      const { model: q, report } = await apply(model);
      const floatBytes = report.floatWeightBytes as number;
      expect(floatBytes).toBeGreaterThan(60_000);
      // int8 values + per-channel scales: just over a quarter of the float bytes.
      expect((report.quantizedBytes as number) / floatBytes).toBeLessThan(0.3);
      expect(encodedModelSize(model) - encodedModelSize(q)).toBeGreaterThan(0.65 * floatBytes);
      let agree = 0;
      let rows = 0;
      // bert-dynamo was exported with static shapes [2, 8] and 3 classes: more batches for as many rows.
      const [batch, sequence, batches] = name === "gpt2-legacy" ? [4, 16, 6] : [2, 8, 50];
      for (let seed = 1; seed <= batches; seed++) {
        const feeds = tokenFeeds(seed, batch, sequence, 512);
        const a = floats((await runFloat(model, feeds)).logits);
        const b = floats((await runFloat(q, feeds)).logits);
        const classes = name === "gpt2-legacy" ? 512 : 3;
        agree += top1Agreement(a, b, classes) * (a.length / classes);
        rows += a.length / classes;
      }
      expect(agree / rows).toBeGreaterThanOrEqual(0.99);
    },
  );

  it("shares one DynamicQuantizeLinear among nodes reading the same activation (Q, K, V)", async () => {
    const { model: q } = await apply(await readModelFile(modelPath("bert-dynamo")));
    expect(ops(q, "MatMulInteger")).toBe(14);
    // Per layer: QKV share one, then attention output, FFN up, FFN down; pooler; classifier.
    expect(ops(q, "DynamicQuantizeLinear")).toBe(2 * 4 + 2);
  });

  it("per-channel scales fit weights with uneven columns better than one scale per tensor", async () => {
    // Columns of very different magnitude: a single scale wastes most levels on the small ones.
    const w1 = randomValues(tiny.k * tiny.h, 1, 0.2).map((v, i) => v * (i % tiny.h < 4 ? 20 : 1));
    const model = tinyModel(w1);
    const x = randomValues(16 * tiny.k, 5);
    const feeds = { x: new ort.Tensor("float32", x, [16, tiny.k]) };
    const fp32 = floats((await runFloat(model, feeds)).y);
    const perTensor = floats((await runFloat((await apply(model, { perChannel: false })).model, feeds)).y);
    const perChannel = floats((await runFloat((await apply(model, { perChannel: true })).model, feeds)).y);
    expect(maxAbsDiff(perChannel, fp32)).toBeLessThan(0.75 * maxAbsDiff(perTensor, fp32));
  });

  it("uint8 weights carry zero points and agree as well", async () => {
    const model = tinyModel();
    const { model: q } = await apply(model, { weightType: "uint8" });
    const zps =
      q.graph?.initializer.filter((t) => t.dataType === DataType.UINT8 && t.dims.length === 1) ?? [];
    expect(zps.map((t) => Number(t.dims[0]))).toEqual([tiny.h, tiny.n]);
    const x = randomValues(8 * tiny.k, 9);
    const feeds = { x: new ort.Tensor("float32", x, [8, tiny.k]) };
    const fp32 = floats((await runFloat(model, feeds)).y);
    expect(maxAbsDiff(floats((await runFloat(q, feeds)).y), fp32)).toBeLessThan(
      0.02 * Math.max(...fp32.map(Math.abs)),
    );
  });

  it("leaves excluded and too-small weights in float, and says so", async () => {
    const { model: q, report } = await apply(tinyModel(), { exclude: ["fc1"], minElements: 10_000 });
    expect(report.nodesQuantized).toBe(0);
    expect(report.skipped).toEqual(["fc1: excluded", "fc2: weight has 480 elements (< minElements)"]);
    expect(ops(q, "MatMulInteger")).toBe(0);
  });

  it("rejects unknown options", () => {
    expect(() => quantizeDynamicInt8.options.parse({ perchannel: true })).toThrow(/perchannel/);
  });
});
