import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { defaultOpset } from "../graph/graph.ts";
import { encodedModelSize } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import { dequantize4, quantize4, transpose } from "../quantize/math.ts";
import {
  floats,
  maxAbsDiff,
  randomValues,
  runFloat,
  tiny,
  tinyForward,
  tinyModel,
  tokenFeeds,
} from "../quantize/test-support.ts";
import { quantize4bit } from "./quantize-4bit.ts";

const apply = async (model: ModelProto, options: object = {}) =>
  quantize4bit.apply(model, quantize4bit.options.parse(options));

describe("quantize-4bit (q4)", () => {
  const w1 = randomValues(tiny.k * tiny.h, 1, 0.2);
  const w2 = randomValues(tiny.n * tiny.h, 2, 0.2); // [N, K] as Gemm transB stores it
  const x = randomValues(8 * tiny.k, 9);
  const feeds = { x: new ort.Tensor("float32", x, [8, tiny.k]) };

  const cases = [
    { format: "matmulnbits", blockSize: 32, symmetric: true },
    { format: "matmulnbits", blockSize: 32, symmetric: false },
    { format: "matmulnbits", blockSize: 64, symmetric: true },
    { format: "matmulnbits", blockSize: 128, symmetric: false },
    { format: "dequantize-linear", blockSize: 32, symmetric: true },
    { format: "dequantize-linear", blockSize: 32, symmetric: false },
    { format: "dequantize-linear", blockSize: 64, symmetric: false },
  ] as const;
  it.each(cases)(
    "$format, block $blockSize, symmetric $symmetric: exactly the model with dequantized weights",
    async (o) => {
      const { model: q, report } = await apply(tinyModel(w1, w2), o);
      expect(report.nodesQuantized).toBe(2);
      const opt = { blockSize: o.blockSize, symmetric: o.symmetric };
      // K = 64 for fc1 (whole or partial blocks) and 40 for fc2 (a partial last block at 32).
      const d1 = dequantize4(quantize4(w1, tiny.k, tiny.h, opt), tiny.k, tiny.h, o.blockSize);
      const w2kn = transpose(w2, tiny.n, tiny.h);
      const d2 = transpose(
        dequantize4(quantize4(w2kn, tiny.h, tiny.n, opt), tiny.h, tiny.n, o.blockSize),
        tiny.h,
        tiny.n,
      );
      const got = floats((await runFloat(q, feeds)).y);
      expect(maxAbsDiff(got, tinyForward(x, 8, d1, d2))).toBeLessThan(1e-5);
      expect(maxAbsDiff(got, tinyForward(x, 8, w1, w2))).toBeGreaterThan(1e-3);
      if (o.format === "matmulnbits") {
        expect(
          q.graph?.node.filter((n) => n.opType === "MatMulNBits" && n.domain === "com.microsoft"),
        ).toHaveLength(2);
        expect(q.opsetImport.find((i) => i.domain === "com.microsoft")?.version?.toNumber()).toBe(1);
      } else {
        // Blocked int4 DequantizeLinear needs opset 21 (and IR 10): the tiny model was opset 17.
        expect(defaultOpset(q)).toBe(21);
        expect(q.irVersion?.toNumber()).toBe(10);
        const types = q.graph?.initializer
          .filter((t) => t.dims.length === 2 && t.dims.every((d) => d.toNumber() > 8))
          .map((t) => t.dataType);
        expect(types).toEqual(
          o.symmetric ? [DataType.INT4, DataType.INT4] : [DataType.UINT4, DataType.UINT4],
        );
      }
    },
  );

  it("asymmetric blocks fit one-sided weights better than symmetric ones", async () => {
    const positive = w1.map((v) => Math.abs(v) + 0.05);
    const fp32 = tinyForward(x, 8, positive, w2);
    const run = async (symmetric: boolean) =>
      floats((await runFloat((await apply(tinyModel(positive, w2), { symmetric })).model, feeds)).y);
    expect(maxAbsDiff(await run(false), fp32)).toBeLessThan(maxAbsDiff(await run(true), fp32));
  });

  it("gpt2-legacy: weights shrink to under 17 % of their float bytes; both encodings compute the same", async () => {
    const model = await readModelFile(modelPath("gpt2-legacy"));
    const nbits = await apply(model);
    const dq = await apply(model, { format: "dequantize-linear" });
    expect(defaultOpset(model)).toBe(17);
    for (const r of [nbits, dq]) {
      expect(r.report.nodesQuantized).toBe(9);
      expect((r.report.quantizedBytes as number) / (r.report.floatWeightBytes as number)).toBeLessThan(0.17);
      expect(encodedModelSize(model) - encodedModelSize(r.model)).toBeGreaterThan(
        0.8 * (r.report.floatWeightBytes as number),
      );
    }
    const f = tokenFeeds(3, 2, 16, 512);
    const a = floats((await runFloat(nbits.model, f)).logits);
    const b = floats((await runFloat(dq.model, f)).logits);
    const fp32 = floats((await runFloat(model, f)).logits);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    expect(maxAbsDiff(a, fp32)).toBeGreaterThan(1e-3);
  });
});
