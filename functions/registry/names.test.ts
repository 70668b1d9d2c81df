import { describe, expect, it } from "vitest";
import { FilePath, ModelName, VersionName } from "./names.ts";
import { dtypeOf } from "./validate.ts";

describe("names", () => {
  it("accepts the transformers.js layout's paths and refuses traversal and hidden files", () => {
    for (const ok of ["config.json", "onnx/model_q4f16.onnx", "onnx/model.onnx_data", "a/b/c.txt"]) {
      expect(FilePath.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of [
      "../x",
      "a/../b",
      "./a",
      "/abs",
      "a//b",
      "a/",
      ".git/config",
      "a\\b",
      "a b",
      "",
      "x".repeat(513),
    ]) {
      expect(FilePath.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("model names are one URL segment and not reserved; 'main' is no version", () => {
    expect(ModelName.safeParse("tiny-bert.v2_spam").success).toBe(true);
    for (const bad of ["org/name", "v1", "Resolve", "-x", "a..b", ""])
      expect(ModelName.safeParse(bad).success, bad).toBe(false);
    expect(VersionName.safeParse("1.0.0-rc.1+build.5").success).toBe(true);
    expect(VersionName.safeParse("main").success).toBe(false);
  });

  it("maps ONNX file names to transformers.js dtypes", () => {
    expect(
      [
        "onnx/model.onnx",
        "onnx/model_fp16.onnx",
        "onnx/model_quantized.onnx",
        "onnx/model_q4.onnx",
        "onnx/model_q4f16.onnx",
        "onnx/model_ternary.onnx",
        "onnx/decoder_model_merged.onnx",
      ].map(dtypeOf),
    ).toEqual(["fp32", "fp16", "q8", "q4", "q4f16", "ternary", "fp32"]);
  });
});
