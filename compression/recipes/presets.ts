// The preset recipes, named after transformers.js dtypes, each writing the file name that the
// architecture's artifact layout (and transformers.js) expects for that dtype.
import { parseRecipe, type Recipe, RecipeError, type RecipeInput } from "./recipe.ts";

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
    steps: [{ pass: "quantize-dynamic-int8", options: { perChannel: true, weightType: "int8" } }],
  },
  int8: {
    name: "int8",
    output: "model_int8.onnx",
    description: "int8 weight-only (per-channel DequantizeLinear)",
    steps: [{ pass: "quantize-weight-8bit", options: { dtype: "int8" } }],
  },
  uint8: {
    name: "uint8",
    output: "model_uint8.onnx",
    description: "uint8 weight-only with zero points (per-channel DequantizeLinear)",
    steps: [{ pass: "quantize-weight-8bit", options: { dtype: "uint8" } }],
  },
  q4: {
    name: "q4",
    output: "model_q4.onnx",
    description: "4-bit weights, block 32, symmetric, as MatMulNBits",
    steps: [{ pass: "quantize-4bit", options: { blockSize: 32, symmetric: true, format: "matmulnbits" } }],
  },
  q4f16: {
    name: "q4f16",
    output: "model_q4f16.onnx",
    description: "4-bit weights (MatMulNBits, block 32) with float16 everywhere else",
    steps: [
      { pass: "quantize-4bit", options: { blockSize: 32, symmetric: true, format: "matmulnbits" } },
      { pass: "convert-fp16" },
    ],
  },
} satisfies Record<string, RecipeInput>;

export type PresetName = keyof typeof presetInputs;
export const presetNames = Object.keys(presetInputs) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(presetInputs, name);
}

/** A preset recipe, validated like any other. */
export function preset(name: string): Recipe {
  if (!isPresetName(name))
    throw new RecipeError(`unknown preset "${name}"; presets: ${presetNames.join(", ")}`);
  return parseRecipe(presetInputs[name]);
}
