import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { floatValues } from "../graph/tensors.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { dequantizeFixedPoint, quantizeFixedPoint } from "../quantize/fixed-point.ts";
import { transpose } from "../quantize/math.ts";
import {
  floats,
  maxAbsDiff,
  randomValues,
  runFloat,
  tiny,
  tinyForward,
  tinyModel,
} from "../quantize/test-support.ts";
import { quantizeDynamicFixedPoint } from "./quantize-fixed-point.ts";
import { quantizeWeight8bit } from "./quantize-weight-8bit.ts";

const mlpPath = new URL("../fixtures/quantizer-reference/mlp.onnx", import.meta.url).pathname;
const apply = (model: ModelProto, options: object = {}) =>
  quantizeDynamicFixedPoint.apply(model, quantizeDynamicFixedPoint.options.parse(options));

/** Every scale initializer of the model's DequantizeLinear nodes. */
function scales(model: ModelProto): number[] {
  const graph = model.graph;
  const dq = (graph?.node ?? []).filter((n) => n.opType === "DequantizeLinear");
  return dq.flatMap((n) => [...floatValues(graph?.initializer.find((t) => t.name === n.input[1]) as never)]);
}

describe("quantize-fixed-point (dynamic fixed point, power-of-two scales)", () => {
  it("every scale is an exact power of two and nothing clips; onnxruntime computes exactly those weights", async () => {
    const w1 = randomValues(tiny.k * tiny.h, 1, 0.2);
    const w2 = randomValues(tiny.n * tiny.h, 2, 0.2); // [N, K] (Gemm transB, alpha 0.5 kept on the node)
    for (const bits of [4, 6, 8]) {
      const { model: q, report } = await apply(tinyModel(w1, w2), { bits });
      expect(report.nodesQuantized).toBe(2);
      const s = scales(q);
      expect(s).toHaveLength(tiny.h + tiny.n);
      for (const v of s) expect(Number.isInteger(Math.log2(v)) && 2 ** Math.log2(v) === v, `${v}`).toBe(true);
      const stored = (q.graph?.initializer ?? []).filter((t) => t.dims.length === 2);
      expect(stored.map((t) => t.dataType)).toEqual(
        bits <= 4 ? [DataType.INT4, DataType.INT4] : [DataType.INT8, DataType.INT8],
      );
      const d1 = dequantizeFixedPoint(
        quantizeFixedPoint(w1, tiny.k, tiny.h, { bits, perChannel: true }),
        tiny.k,
        tiny.h,
      );
      const w2kn = transpose(w2, tiny.n, tiny.h);
      const d2 = transpose(
        dequantizeFixedPoint(
          quantizeFixedPoint(w2kn, tiny.h, tiny.n, { bits, perChannel: true }),
          tiny.h,
          tiny.n,
        ),
        tiny.h,
        tiny.n,
      );
      // No clipping: every weight within half a step of its original.
      const step = (w: Float32Array, d: Float32Array, cols: number, s0: number[]) =>
        w.every((v, i) => Math.abs(v - (d[i] as number)) <= (s0[i % cols] as number) / 2 + 1e-9);
      expect(step(w1, d1, tiny.h, s.slice(0, tiny.h))).toBe(true);
      const x = randomValues(8 * tiny.k, 9);
      const got = floats((await runFloat(q, { x: new ort.Tensor("float32", x, [8, tiny.k]) })).y);
      expect(maxAbsDiff(got, tinyForward(x, 8, d1, d2)), `${bits} bits`).toBeLessThan(1e-5);
    }
  });

  it("MLP: output error shrinks with every added bit (4 → 8), and 8 bits stays within 2× of free-scale int8", async () => {
    const model = await readModelFile(mlpPath);
    const x = randomValues(64 * 128, 3, 1);
    const feeds = { x: new ort.Tensor("float32", x, [64, 128]) };
    const base = floats((await runFloat(model, feeds)).logits);
    const fp32Bytes = encodeModel(model).length;
    const errors: number[] = [];
    const sizes: number[] = [];
    for (const bits of [4, 5, 6, 7, 8]) {
      const { model: q } = await apply(model, { bits });
      sizes.push(encodeModel(q).length / fp32Bytes);
      errors.push(maxAbsDiff(floats((await runFloat(q, feeds)).logits), base));
    }
    for (let i = 1; i < errors.length; i++)
      expect(errors[i], `${i + 4} bits`).toBeLessThan(errors[i - 1] as number);
    expect(sizes[0]).toBeLessThan(0.16); // int4 storage
    expect(sizes[4]).toBeLessThan(0.27);
    const { model: int8 } = await quantizeWeight8bit.apply(model, quantizeWeight8bit.options.parse({}));
    const free = maxAbsDiff(floats((await runFloat(int8, feeds)).logits), base);
    expect(errors[4]).toBeLessThan(2 * free + 1e-6); // a power-of-two scale is at most 2× coarser
  });

  it("rejects bit widths outside 2–8", () => {
    expect(() => quantizeDynamicFixedPoint.options.parse({ bits: 9 })).toThrow();
    expect(() => quantizeDynamicFixedPoint.options.parse({ bits: 1 })).toThrow();
  });
});
