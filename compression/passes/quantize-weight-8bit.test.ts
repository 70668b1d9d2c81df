import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodedModelSize } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import { dequantize8, quantize8, transpose } from "../quantize/math.ts";
import {
  floats,
  maxAbsDiff,
  randomValues,
  runFloat,
  tiny,
  tinyForward,
  tinyModel,
} from "../quantize/test-support.ts";
import { quantizeWeight8bit } from "./quantize-weight-8bit.ts";

const apply = async (model: ModelProto, options: object = {}) =>
  quantizeWeight8bit.apply(model, quantizeWeight8bit.options.parse(options));

describe("quantize-weight-8bit (int8 / uint8)", () => {
  it.each(["int8", "uint8"] as const)(
    "%s: onnxruntime computes exactly the model with dequantized weights (per-channel axis right for MatMul and Gemm transB)",
    async (dtype) => {
      const w1 = randomValues(tiny.k * tiny.h, 1, 0.2);
      const w2 = randomValues(tiny.n * tiny.h, 2, 0.2); // [N, K] as Gemm transB stores it
      const { model: q, report } = await apply(tinyModel(w1, w2), { dtype });
      expect(report.nodesQuantized).toBe(2);
      const dq = q.graph?.node.filter((n) => n.opType === "DequantizeLinear") ?? [];
      expect(dq.map((n) => n.attribute.find((a) => a.name === "axis")?.i?.toNumber())).toEqual([1, 0]);
      expect(dq.map((n) => n.input.length)).toEqual(dtype === "int8" ? [2, 2] : [3, 3]);
      const stored = q.graph?.initializer.filter(
        (t) => t.dataType === (dtype === "int8" ? DataType.INT8 : DataType.UINT8) && t.dims.length === 2,
      );
      expect(stored?.map((t) => t.dims.map(Number))).toEqual([
        [tiny.k, tiny.h],
        [tiny.n, tiny.h],
      ]);
      const signed = dtype === "int8";
      const d1 = dequantize8(quantize8(w1, tiny.k, tiny.h, { signed, perChannel: true }), tiny.k, tiny.h);
      const w2kn = transpose(w2, tiny.n, tiny.h);
      const d2 = transpose(
        dequantize8(quantize8(w2kn, tiny.h, tiny.n, { signed, perChannel: true }), tiny.h, tiny.n),
        tiny.h,
        tiny.n,
      );
      const x = randomValues(8 * tiny.k, 9);
      const got = floats((await runFloat(q, { x: new ort.Tensor("float32", x, [8, tiny.k]) })).y);
      expect(maxAbsDiff(got, tinyForward(x, 8, d1, d2))).toBeLessThan(1e-5);
      expect(maxAbsDiff(got, tinyForward(x, 8, w1, w2))).toBeGreaterThan(1e-4);
    },
  );

  it("8-bit weights are a quarter of the float bytes, outputs within 1 % of fp32 on gpt2-legacy", async () => {
    const model = await readModelFile(modelPath("gpt2-legacy"));
    for (const dtype of ["int8", "uint8"]) {
      const { model: q, report } = await apply(model, { dtype });
      const floatBytes = report.floatWeightBytes as number;
      expect((report.quantizedBytes as number) / floatBytes).toBeLessThan(0.29); // values + a scale (and a uint8 zero point) per channel
      expect(encodedModelSize(model) - encodedModelSize(q)).toBeGreaterThan(0.65 * floatBytes);
      const feeds = {
        input_ids: new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: 32 }, (_, i) => BigInt((i * 37) % 511) + 1n),
          [2, 16],
        ),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(32).fill(1n), [2, 16]),
      };
      const a = floats((await runFloat(model, feeds)).logits);
      const b = floats((await runFloat(q, feeds)).logits);
      expect(maxAbsDiff(a, b)).toBeLessThan(0.01 * Math.max(...a.map(Math.abs)));
    }
  });
});
