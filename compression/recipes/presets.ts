// The preset recipes, named after transformers.js dtypes, each writing the file name that the
// architecture's artifact layout (and transformers.js) expects for that dtype. The quantized
// presets also quantize embedding tables (in small language models often most of the weights), so
// their files are as small as transformers.js users expect; `{ embeddings: "keep" }` leaves them float.
import { parseRecipe, type Recipe, RecipeError, type RecipeInput } from "./recipe.ts";

const embedding8 = { pass: "quantize-embedding", options: { bits: 8, symmetric: true } };
const embeddingU8 = { pass: "quantize-embedding", options: { bits: 8, symmetric: false } };
const embedding4 = { pass: "quantize-embedding", options: { bits: 4, symmetric: true, blockSize: 32 } };
// Last step of the quantized presets: exporters' long node and value names would otherwise be 7 % of
// the fp32 file and a quarter of a q4 file; renamed models compute bit-identically (compact-names.test.ts).
const compact = { pass: "compact-names", options: { nodeNames: "drop" } };

const presetInputs = {
  fp32: { name: "fp32", output: "model.onnx", description: "the model re-encoded, unchanged", steps: [] },
  fp16: {
    name: "fp16",
    output: "model_fp16.onnx",
    description: "float16 weights and compute, float32 inputs/outputs",
    steps: [{ pass: "convert-fp16" }],
  },
  q8: {
    name: "q8",
    output: "model_quantized.onnx",
    description: "dynamic int8: int8 weights per channel, activations quantized at run time",
    steps: [
      { pass: "quantize-dynamic-int8", options: { perChannel: true, weightType: "int8" } },
      embedding8,
      compact,
    ],
  },
  int8: {
    name: "int8",
    output: "model_int8.onnx",
    description: "int8 weight-only (per-channel DequantizeLinear)",
    steps: [{ pass: "quantize-weight-8bit", options: { dtype: "int8" } }, embedding8, compact],
  },
  uint8: {
    name: "uint8",
    output: "model_uint8.onnx",
    description: "uint8 weight-only with zero points (per-channel DequantizeLinear)",
    steps: [{ pass: "quantize-weight-8bit", options: { dtype: "uint8" } }, embeddingU8, compact],
  },
  q4: {
    name: "q4",
    output: "model_q4.onnx",
    description: "4-bit weights, block 32, symmetric, as MatMulNBits",
    steps: [
      { pass: "quantize-4bit", options: { blockSize: 32, symmetric: true, format: "matmulnbits" } },
      embedding4,
      compact,
    ],
  },
  q4f16: {
    name: "q4f16",
    output: "model_q4f16.onnx",
    description: "4-bit weights (MatMulNBits, block 32) with float16 everywhere else",
    steps: [
      { pass: "quantize-4bit", options: { blockSize: 32, symmetric: true, format: "matmulnbits" } },
      embedding4,
      { pass: "convert-fp16" },
      compact,
    ],
  },
  ternary: {
    name: "ternary",
    output: "model_ternary.onnx",
    description:
      "ternary MatMul/Gemm weights {−1, 0, +1} × scale per block of 64 (2 bits, MatMulNBits bits=2), 4-bit embeddings",
    steps: [{ pass: "quantize-ternary", options: { blockSize: 64 } }, embedding4, compact],
  },
} satisfies Record<string, RecipeInput>;

export type PresetName = keyof typeof presetInputs;
export const presetNames = Object.keys(presetInputs) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(presetInputs, name);
}

export interface PresetOptions {
  /** "quantize" (default): embedding tables follow the preset's precision; "keep": they stay float. */
  embeddings?: "quantize" | "keep";
}

/** A preset recipe, validated like any other. */
export function preset(name: string, options: PresetOptions = {}): Recipe {
  if (!isPresetName(name))
    throw new RecipeError(`unknown preset "${name}"; presets: ${presetNames.join(", ")}`);
  const input: RecipeInput = presetInputs[name];
  const steps =
    options.embeddings === "keep" ? input.steps.filter((s) => s.pass !== "quantize-embedding") : input.steps;
  return parseRecipe({ ...input, steps });
}

/**
 * Static int8 QDQ ("static-int8", model_static_int8.onnx) is not a plain preset: its activation
 * ranges come from calibration data (calibrateStatic() in compression/calibration, which runs a
 * probe model on the caller's batches). With those ranges this is the recipe, validated like any
 * other: QDQ activations and per-channel int8 weights, int8 embedding tables, compact names.
 */
export function staticInt8Recipe(
  ranges: Record<string, { min: number; max: number }>,
  options: PresetOptions & { activationType?: "uint8" | "int8" } = {},
): Recipe {
  const steps = [
    { pass: "quantize-static-int8", options: { ranges, activationType: options.activationType ?? "uint8" } },
    ...(options.embeddings === "keep" ? [] : [embedding8]),
    compact,
  ];
  return parseRecipe({
    name: "static-int8",
    output: "model_static_int8.onnx",
    description: "static int8 QDQ: activations with calibrated ranges, int8 per-channel weights",
    steps,
  });
}
