// Ours against onnxruntime's Python quantizers on the same models and the same inputs: the
// figures of quantize_dynamic (q8) and MatMulNBitsQuantizer (q4, block 32) were recorded by
// scripts/fixtures/make_quantizer_reference.py in compression/fixtures/quantizer-reference/. Each of
// our files must be no larger than theirs + 5 % and agree with fp32 (top-1) at least as often as
// theirs − 1 point. quantize_dynamic covers what our q8 covers (MatMul, Gemm, Gather tables), but
// MatMulNBitsQuantizer skips Gemm nodes where ours quantizes them too, so for q4 the like-for-like
// comparison restricts ours to the nodes theirs quantizes; the presets as shipped are then compared
// on size (they quantize more, so they must be smaller still). Speed is compared in
// bench/compress.ts, never asserted here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodeModel } from "../onnx-io/codec.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { floats, maxAbsDiff, runFloat, top1Agreement } from "../quantize/test-support.ts";
import { preset, type Recipe, runRecipe } from "../recipes/index.ts";

interface ArrayJson {
  dtype: string;
  dims: number[];
  data: number[];
}
interface Figures {
  bytes: number;
  ratio: number;
  maxAbsDiff: number;
  top1Agreement: number;
  seconds: number;
}
interface Reference {
  versions: Record<string, string>;
  models: Record<
    string,
    {
      path: string;
      fp32Bytes: number;
      inputs: Record<string, ArrayJson>;
      outputClasses: number;
      variants: Record<"q8" | "q4" | "q4_gather", Figures>;
    }
  >;
}

const root = join(import.meta.dirname, "..", "..");
const reference = JSON.parse(
  readFileSync(join(root, "compression", "fixtures", "quantizer-reference", "reference.json"), "utf8"),
) as Reference;

function tensors(inputs: Record<string, ArrayJson>): Record<string, ort.Tensor> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, a]) => [
      k,
      a.dtype === "int64"
        ? new ort.Tensor(
            "int64",
            BigInt64Array.from(a.data, (v) => BigInt(v)),
            a.dims,
          )
        : new ort.Tensor("float32", Float32Array.from(a.data), a.dims),
    ]),
  );
}

/** The recipe with Gemm nodes excluded from its MatMul-quantizing steps (what onnxruntime's quantizers cover). */
function matMulOnly(recipe: Recipe, model: ModelProto): Recipe {
  const gemms = (model.graph?.node ?? []).filter((n) => n.opType === "Gemm").map((n) => n.name ?? "");
  return {
    ...recipe,
    steps: recipe.steps.map((s) =>
      s.pass === "quantize-dynamic-int8" || s.pass === "quantize-4bit"
        ? { ...s, options: { ...s.options, exclude: gemms } }
        : s,
    ),
  };
}

// Ours ↔ theirs: q8 ↔ quantize_dynamic (both quantize embeddings); q4 ↔ MatMulNBits with Gather;
// q4 keeping embeddings float ↔ MatMulNBits on MatMul only (its default).
const pairs = [
  { ours: "q8", keep: false, theirs: "q8", matMulOnly: false },
  { ours: "q4", keep: false, theirs: "q4_gather", matMulOnly: true },
  { ours: "q4", keep: true, theirs: "q4", matMulOnly: true },
] as const;

describe("ours vs onnxruntime's Python quantizers (reference figures)", () => {
  it("the reference was recorded with onnxruntime's quantizers, on fixed inputs", () => {
    expect(Object.keys(reference.models).sort()).toEqual(["gpt2-legacy", "mlp", "tiny-spam"]);
    expect(reference.versions.onnxruntime).toMatch(/^1\.\d+/);
  });

  for (const [name, entry] of Object.entries(reference.models)) {
    it(`${name}: no larger than theirs + 5 %, top-1 agreement at least theirs − 1 point`, async () => {
      const model = await readModelFile(join(root, entry.path));
      const fp32Bytes = encodeModel(model).length;
      const feeds = tensors(entry.inputs);
      const out = (r: Record<string, ort.Tensor>) => floats(Object.values(r)[0]);
      const base = out(await runFloat(model, feeds));
      for (const pair of pairs) {
        const theirs = entry.variants[pair.theirs];
        const shipped = preset(pair.ours, pair.keep ? { embeddings: "keep" } : {});
        const label = `${name} ${pair.ours}${pair.keep ? " (embeddings kept)" : ""} vs ${pair.theirs}`;
        // Like for like: the same nodes quantized.
        const sameRecipe = pair.matMulOnly ? matMulOnly(shipped, model) : shipped;
        const same = encodeModel((await runRecipe(model, sameRecipe)).model);
        const sameOut = out(await runFloat(same, feeds));
        expect(same.length / fp32Bytes, label).toBeLessThanOrEqual(theirs.ratio * 1.05);
        expect(top1Agreement(sameOut, base, entry.outputClasses), label).toBeGreaterThanOrEqual(
          theirs.top1Agreement - 0.01,
        );
        expect(maxAbsDiff(sameOut, base), label).toBeLessThanOrEqual(theirs.maxAbsDiff * 1.5 + 1e-6);
        // As shipped (Gemm weights quantized too): smaller still.
        const full = encodeModel((await runRecipe(model, shipped)).model);
        expect(full.length, label).toBeLessThanOrEqual(same.length);
        expect(full.length / fp32Bytes, label).toBeLessThanOrEqual(theirs.ratio * 1.05);
      }
    });
  }

  it("MatMul-heavy MLP: q8 ≤ 27 % and q4 ≤ 17 % of the fp32 file", async () => {
    const entry = reference.models.mlp;
    if (!entry) throw new Error("no mlp reference");
    const model = await readModelFile(join(root, entry.path));
    const fp32Bytes = encodeModel(model).length;
    const q8 = encodeModel((await runRecipe(model, preset("q8"))).model);
    const q4 = encodeModel((await runRecipe(model, preset("q4"))).model);
    expect(q8.length / fp32Bytes).toBeLessThanOrEqual(0.27);
    expect(q4.length / fp32Bytes).toBeLessThanOrEqual(0.17);
  });
});
