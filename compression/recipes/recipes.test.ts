import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { encodeModel } from "../onnx-io/codec.ts";
import { readModelFile } from "../onnx-io/files.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import { floats, maxAbsDiff, runFloat, tokenFeeds } from "../quantize/test-support.ts";
import { parseRecipe, preset, presetNames, RecipeError, runRecipe } from "./index.ts";

const layout = {
  fp32: "model.onnx",
  fp16: "model_fp16.onnx",
  q8: "model_quantized.onnx",
  int8: "model_int8.onnx",
  uint8: "model_uint8.onnx",
  q4: "model_q4.onnx",
  q4f16: "model_q4f16.onnx",
  ternary: "model_ternary.onnx",
};

describe("recipes", () => {
  it("presets are the transformers.js dtypes, writing the artifact layout's file names", () => {
    expect(Object.fromEntries(presetNames.map((n) => [n, preset(n).output]))).toEqual(layout);
    expect(preset("q4f16").steps.map((s) => s.pass)).toEqual([
      "quantize-4bit",
      "quantize-embedding",
      "convert-fp16",
      "compact-names",
    ]);
    // Every quantized preset quantizes embedding tables at its own precision, unless told to keep them.
    const embedding = (name: string, keep = false) =>
      preset(name, keep ? { embeddings: "keep" } : {}).steps.find((s) => s.pass === "quantize-embedding")
        ?.options;
    expect(embedding("q8")).toMatchObject({ bits: 8, symmetric: true });
    expect(embedding("int8")).toMatchObject({ bits: 8, symmetric: true });
    expect(embedding("uint8")).toMatchObject({ bits: 8, symmetric: false });
    expect(embedding("q4")).toMatchObject({ bits: 4, blockSize: 32 });
    expect(embedding("q4f16")).toMatchObject({ bits: 4, blockSize: 32 });
    expect(embedding("fp16")).toBeUndefined();
    for (const name of ["q8", "int8", "uint8", "q4", "q4f16"])
      expect(embedding(name, true), name).toBeUndefined();
    expect(preset("q4f16", { embeddings: "keep" }).steps.map((s) => s.pass)).toEqual([
      "quantize-4bit",
      "convert-fp16",
      "compact-names",
    ]);
    // Step options come back with the pass's defaults filled in.
    expect(preset("q4").steps[0]?.options).toMatchObject({
      blockSize: 32,
      symmetric: true,
      format: "matmulnbits",
      minElements: 16,
    });
  });

  it("rejects bad recipes with the step at fault, before running anything", () => {
    const bad = (r: unknown) => () => parseRecipe(r);
    expect(bad({ name: "x", output: "m.onnx", steps: [{ pass: "quantize-8bit" }] })).toThrow(
      /steps\.0: unknown pass "quantize-8bit"; known passes: .*quantize-dynamic-int8/,
    );
    expect(
      bad({ name: "x", output: "m.onnx", steps: [{ pass: "quantize-4bit", options: { blockSize: 48 } }] }),
    ).toThrow(/steps\.0 \(quantize-4bit\) options: blockSize/);
    expect(bad({ name: "x", output: "../escape.onnx", steps: [] })).toThrow(/output: a plain file name/);
    expect(bad({ name: "x", output: "m.onnx" })).toThrow(/steps/);
    expect(bad({ name: "x", output: "m.onnx", steps: [], extra: 1 })).toThrow(RecipeError);
    expect(() => preset("q3")).toThrow(/unknown preset "q3"; presets: fp32, fp16, q8/);
  });

  it("every preset's output runs in onnxruntime-node and onnxruntime-web (wasm) and agrees with fp32", async () => {
    const model = await readModelFile(modelPath("gpt2-legacy"));
    const feeds = tokenFeeds(7, 2, 16, 512);
    const fp32 = floats((await runFloat(model, feeds)).logits);
    const range = Math.max(...fp32.map(Math.abs));
    ortWeb.env.wasm.numThreads = 1;
    const require = createRequire(import.meta.url);
    ortWeb.env.wasm.wasmBinary = readFileSync(require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));
    const tolerance: Record<string, number> = {
      fp32: 0,
      fp16: 0.01,
      q8: 0.05,
      int8: 0.02,
      uint8: 0.02,
      q4: 0.3,
      q4f16: 0.3,
      ternary: 0.6, // no fine-tuning: measured 0.40 of the logit range (top-1 agreement 0.78)
    };
    for (const name of presetNames) {
      const { model: out, steps } = await runRecipe(model, preset(name));
      expect(steps).toHaveLength(preset(name).steps.length);
      const bytes = encodeModel(out);
      const node = floats((await runFloat(bytes, feeds)).logits);
      expect(maxAbsDiff(node, fp32), name).toBeLessThanOrEqual((tolerance[name] as number) * range);
      const session = await ortWeb.InferenceSession.create(bytes);
      try {
        const webFeeds = Object.fromEntries(
          Object.entries(feeds).map(([k, t]) => [
            k,
            new ortWeb.Tensor("int64", t.data as BigInt64Array, t.dims),
          ]),
        );
        const web = (await session.run(webFeeds)).logits?.data as Float32Array;
        expect(web.length, name).toBe(fp32.length);
        expect(maxAbsDiff(web, fp32), name).toBeLessThanOrEqual((tolerance[name] as number) * range + 1e-6);
      } finally {
        await session.release();
      }
    }
  });
});
