import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import config from "../functions/inference/fixtures/tiny-gpt2/config.json";
import expected from "../functions/inference/fixtures/tiny-gpt2/expected.json";
import tokenizerJson from "../functions/inference/fixtures/tiny-gpt2/tokenizer.json";
import tokenizerConfig from "../functions/inference/fixtures/tiny-gpt2/tokenizer_config.json";
import { createTextGenerator } from "./text-generator.ts";

const fixture = new URL("../functions/inference/fixtures/tiny-gpt2/", import.meta.url);

async function generator(file: string) {
  const session = await ort.InferenceSession.create(readFileSync(new URL(file, fixture)), {
    intraOpNumThreads: 1,
  });
  return createTextGenerator({ ort, session, tokenizerJson, tokenizerConfig, config });
}

describe("text generation with onnxruntime-node", () => {
  it("decodes greedily as transformers' generate() does, with and without the KV cache", async () => {
    for (const file of ["model.onnx", "model_with_past.onnx"]) {
      const gen = await generator(file);
      expect(gen.usesCache).toBe(file !== "model.onnx");
      for (const want of expected.greedy) {
        const got = await gen.generate(want.prompt, { maxNewTokens: want.maxNewTokens });
        const ids = want.tokenIds.filter((id) => id !== expected.eosTokenId);
        expect(got.tokenIds).toEqual(ids);
        expect(got.text).toBe(want.text);
        expect(got.finishReason).toBe(ids.length < want.tokenIds.length ? "eos" : "length");
      }
    }
  });

  it("samples the same continuation from the same seed in both layouts", async () => {
    const [plain, cached] = await Promise.all([generator("model.onnx"), generator("model_with_past.onnx")]);
    const options = { maxNewTokens: 8, sampling: { temperature: 3 }, seed: 11 };
    const a = await plain.generate("the cat", options);
    expect(await cached.generate("the cat", options)).toEqual(a);
    expect(await plain.generate("the cat", options)).toEqual(a);
  });
});
