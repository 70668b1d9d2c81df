import { describe, expect, it } from "vitest";
import { createTextClassifier } from "../../client/index.ts";
import expected from "./fixtures/tiny-spam/expected.json";
import modelBytes from "./fixtures/tiny-spam/model.onnx";
import tokenizerJson from "./fixtures/tiny-spam/tokenizer.json";
import tokenizerConfig from "./fixtures/tiny-spam/tokenizer_config.json";
import { onnxRuntime } from "./runtime.ts";

describe("text classification inside workerd", () => {
  it("gives the labels and scores native onnxruntime gives (tokenizers.js + onnxruntime-web)", async () => {
    const ort = onnxRuntime();
    const session = await ort.InferenceSession.create(new Uint8Array(modelBytes));
    const classifier = createTextClassifier({
      ort,
      session,
      tokenizerJson,
      tokenizerConfig,
      labels: ["ham", "spam"],
      maxLength: expected.maxLength,
    });
    const got = await classifier.classify(expected.samples);
    expect(got.map((p) => p.label)).toEqual(expected.predictions.map((p) => p.label));
    got.forEach((p, i) => {
      const want = expected.predictions[i] as { scores: Record<string, number> };
      expect(Math.abs((p.scores.spam as number) - (want.scores.spam as number))).toBeLessThan(1e-5);
    });
    // the fixture is a real classifier: both classes occur among the samples' predictions
    expect(new Set(got.map((p) => p.label)).size).toBe(2);
  });
});
