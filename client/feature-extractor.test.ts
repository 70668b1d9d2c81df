import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import expected from "../functions/inference/fixtures/tiny-encoder/expected.json";
import tokenizerJson from "../functions/inference/fixtures/tiny-encoder/tokenizer.json";
import tokenizerConfig from "../functions/inference/fixtures/tiny-encoder/tokenizer_config.json";
import { createFeatureExtractor } from "./feature-extractor.ts";

function worstDiff(got: number[][], want: number[][]): number {
  let worst = 0;
  got.forEach((row, i) => {
    expect(row).toHaveLength(want[i]?.length ?? -1);
    row.forEach((x, j) => {
      worst = Math.max(worst, Math.abs(x - (want[i]?.[j] as number)));
    });
  });
  return worst;
}

describe("embeddings with onnxruntime-node", () => {
  it("pools mean and CLS vectors as PyTorch does on the same weights, raw and normalized", async () => {
    const bytes = readFileSync(
      new URL("../functions/inference/fixtures/tiny-encoder/model.onnx", import.meta.url),
    );
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const extractor = createFeatureExtractor({ ort, session, tokenizerJson, tokenizerConfig, maxLength: 64 });
    expect(extractor.outputName).toBe("last_hidden_state");
    const { texts } = expected;
    expect(worstDiff(await extractor.embed(texts), expected.mean)).toBeLessThan(1e-5);
    expect(worstDiff(await extractor.embed(texts, { pooling: "cls" }), expected.cls)).toBeLessThan(1e-5);
    const normalized = await extractor.embed(texts, { normalize: true });
    expect(worstDiff(normalized, expected.meanNormalized)).toBeLessThan(1e-5);
    expect(
      worstDiff(await extractor.embed(texts, { pooling: "cls", normalize: true }), expected.clsNormalized),
    ).toBeLessThan(1e-5);
    // padding is masked out: a text alone embeds as it does in a batch with longer texts
    expect(
      worstDiff(await extractor.embed([texts[2] as string]), [expected.mean[2] as number[]]),
    ).toBeLessThan(1e-5);
  });
});
