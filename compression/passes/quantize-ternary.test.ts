import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { dimsOf } from "../graph/tensors.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { transpose } from "../quantize/math.ts";
import { dequantizeTernary, ternarize } from "../quantize/ternary.ts";
import {
  floats,
  maxAbsDiff,
  randomValues,
  runFloat,
  tiny,
  tinyForward,
  tinyModel,
  top1Agreement,
} from "../quantize/test-support.ts";
import { quantize4bit } from "./quantize-4bit.ts";
import { quantizeTernary } from "./quantize-ternary.ts";

const root = join(import.meta.dirname, "..", "..");
const mlpPath = join(root, "compression", "fixtures", "quantizer-reference", "mlp.onnx");
const apply = (model: ModelProto, options: object = {}) =>
  quantizeTernary.apply(model, quantizeTernary.options.parse(options));

function pearson(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = (a[i] as number) - ma;
    const y = (b[i] as number) - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

describe("quantize-ternary (2-bit MatMulNBits)", () => {
  it("every stored weight is −s, 0 or +s, and onnxruntime computes exactly the model with those weights", async () => {
    const w1 = randomValues(tiny.k * tiny.h, 1, 0.2);
    const w2 = randomValues(tiny.n * tiny.h, 2, 0.2); // [N, K] (Gemm transB)
    const { model: q, report } = await apply(tinyModel(w1, w2), { blockSize: 16 });
    expect(report.nodesQuantized).toBe(2);
    expect(report.sparsity as number).toBeGreaterThan(0.3); // TWN zeroes roughly 40 % of Gaussian weights
    expect(report.sparsity as number).toBeLessThan(0.5);
    const nbits = (q.graph?.node ?? []).filter((n) => n.opType === "MatMulNBits");
    expect(nbits.map((n) => n.attribute.find((a) => a.name === "bits")?.i?.toNumber())).toEqual([2, 2]);
    // Stored levels: only 1, 2, 3 (−1, 0, +1 around the default zero point 2), 2 bits each.
    for (const node of nbits) {
      const packed = q.graph?.initializer.find((t) => t.name === node.input[1]);
      const [n, blocks, blob] = dimsOf(packed as NonNullable<typeof packed>) as [number, number, number];
      expect(blob).toBe(16 / 4);
      const levels = new Set<number>();
      for (const byte of packed?.rawData ?? []) for (let j = 0; j < 4; j++) levels.add((byte >> (2 * j)) & 3);
      expect([...levels].sort()).toEqual([1, 2, 3]);
      expect(packed?.rawData?.length).toBe(n * blocks * blob);
    }
    const d1 = dequantizeTernary(
      ternarize(w1, tiny.k, tiny.h, { blockSize: 16, thresholdFactor: 0.7 }),
      tiny.k,
      tiny.h,
      16,
    );
    const w2kn = transpose(w2, tiny.n, tiny.h);
    const t2 = ternarize(w2kn, tiny.h, tiny.n, { blockSize: 16, thresholdFactor: 0.7 });
    const d2 = transpose(dequantizeTernary(t2, tiny.h, tiny.n, 16), tiny.h, tiny.n);
    for (let i = 0; i < d2.length; i++) {
      const r = i % tiny.h; // [N, K]: K index
      const c = Math.floor(i / tiny.h);
      const s = t2.scale[Math.floor(r / 16) * tiny.n + c] as number;
      expect([-s, 0, s]).toContain(d2[i]);
    }
    const x = randomValues(8 * tiny.k, 9);
    const got = floats((await runFloat(q, { x: new ort.Tensor("float32", x, [8, tiny.k]) })).y);
    expect(maxAbsDiff(got, tinyForward(x, 8, d1, d2))).toBeLessThan(1e-4);
  });

  it("TWN's threshold 0.7·mean|w| fits Gaussian weights better than a lower or higher one", () => {
    const k = 256;
    const n = 64;
    const w = randomValues(k * n, 7, 1);
    const error = (f: number) => {
      const d = dequantizeTernary(ternarize(w, k, n, { blockSize: 64, thresholdFactor: f }), k, n, 64);
      return d.reduce((s, v, i) => s + (v - (w[i] as number)) ** 2, 0);
    };
    expect(error(0.7)).toBeLessThan(error(0.3));
    expect(error(0.7)).toBeLessThan(error(1.2));
  });

  it("MLP: file smaller than q4, runs in onnxruntime-node and -web alike, outputs correlate with fp32", async () => {
    const model = await readModelFile(mlpPath);
    const fp32 = encodeModel(model).length;
    const q4 = encodeModel((await quantize4bit.apply(model, quantize4bit.options.parse({}))).model).length;
    const { model: t } = await apply(model);
    const bytes = encodeModel(t);
    expect(bytes.length).toBeLessThan(0.6 * q4); // measured 0.52: 2 bits instead of 4, scales per 64 instead of 32
    expect(bytes.length / fp32).toBeLessThan(0.1);
    const x = randomValues(64 * 128, 3, 1);
    const base = floats((await runFloat(model, { x: new ort.Tensor("float32", x, [64, 128]) })).logits);
    const inNode = floats((await runFloat(bytes, { x: new ort.Tensor("float32", x, [64, 128]) })).logits);
    ortWeb.env.wasm.numThreads = 1;
    ortWeb.env.wasm.wasmBinary = readFileSync(
      createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
    );
    const session = await ortWeb.InferenceSession.create(bytes, { graphOptimizationLevel: "basic" });
    const inWeb = (await session.run({ x: new ortWeb.Tensor("float32", x, [64, 128]) })).logits
      ?.data as Float32Array;
    await session.release();
    expect(maxAbsDiff(inWeb, inNode)).toBeLessThan(1e-4);
    expect(pearson(inNode, base)).toBeGreaterThan(0.8); // measured 0.855 (block 64)
    expect(top1Agreement(inNode, base, 16)).toBeGreaterThan(0.4); // measured 0.59; chance is 1/16
  });
});
