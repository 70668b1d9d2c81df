import { describe, expect, it } from "vitest";
import { dtypeOf } from "./validate.ts";

const dtypes = (paths: string[]) => Object.fromEntries(paths.map((p) => [p, dtypeOf(p)]));

describe("dtypeOf", () => {
  it("reads the precision from transformers.js's suffix whatever the graph is called", () => {
    expect(
      dtypes([
        "onnx/model_with_past.onnx",
        "onnx/model_with_past_q4.onnx",
        "onnx/model_with_past_quantized.onnx",
        "onnx/decoder_model_merged.onnx",
        "onnx/decoder_model_merged_fp16.onnx",
        "onnx/decoder_model_merged_q4f16.onnx",
        "onnx/decoder_with_past_model_uint8.onnx",
        "onnx/encoder_model_bnb4.onnx",
        "onnx/embed_tokens_int8.onnx",
      ]),
    ).toEqual({
      "onnx/model_with_past.onnx": "fp32",
      "onnx/model_with_past_q4.onnx": "q4",
      "onnx/model_with_past_quantized.onnx": "q8",
      "onnx/decoder_model_merged.onnx": "fp32",
      "onnx/decoder_model_merged_fp16.onnx": "fp16",
      "onnx/decoder_model_merged_q4f16.onnx": "q4f16",
      "onnx/decoder_with_past_model_uint8.onnx": "uint8",
      "onnx/encoder_model_bnb4.onnx": "bnb4",
      "onnx/embed_tokens_int8.onnx": "int8",
    });
  });

  it("names edgetune's own variants after their recipe, not after a dtype their name ends with", () => {
    expect(
      dtypes([
        "onnx/model.onnx",
        "onnx/model_int8.onnx",
        "onnx/model_static_int8.onnx",
        "onnx/model_pruned50.onnx",
        "onnx/model_ternary.onnx",
      ]),
    ).toEqual({
      "onnx/model.onnx": "fp32",
      "onnx/model_int8.onnx": "int8",
      "onnx/model_static_int8.onnx": "static-int8",
      "onnx/model_pruned50.onnx": "pruned50",
      "onnx/model_ternary.onnx": "ternary",
    });
  });
});
