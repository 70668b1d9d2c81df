import { describe, expect, it } from "vitest";
import { api, problemOf, publish, stage } from "../../test/workers/api.ts";
import config from "./fixtures/tiny-encoder/config.json";
import expected from "./fixtures/tiny-encoder/expected.json";
import modelBytes from "./fixtures/tiny-encoder/model.onnx";
import tokenizerJson from "./fixtures/tiny-encoder/tokenizer.json";
import tokenizerConfig from "./fixtures/tiny-encoder/tokenizer_config.json";
import { FeatureExtractionResponse } from "./schemas.ts";

const MODEL = "tiny-encoder";
let published: Promise<void> | undefined;

function publishOnce(): Promise<void> {
  published ??= (async () => {
    await stage(MODEL, "1.0.0", {
      "config.json": JSON.stringify(config),
      "tokenizer.json": JSON.stringify(tokenizerJson),
      "tokenizer_config.json": JSON.stringify(tokenizerConfig),
      "onnx/model.onnx": new Uint8Array(modelBytes),
    });
    expect((await publish(MODEL, "1.0.0")).status).toBe(201);
  })();
  return published;
}

async function infer(body: unknown) {
  await publishOnce();
  return api(`/v1/models/${MODEL}/infer`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    token: "read",
  });
}

async function embeddings(body: Record<string, unknown>) {
  const res = await infer({ task: "feature-extraction", ...body });
  expect(res.status, await res.clone().text()).toBe(200);
  return FeatureExtractionResponse.parse(await res.json());
}

function worstDiff(got: number[][], want: number[][]): number {
  expect(got.map((r) => r.length)).toEqual(want.map((r) => r.length));
  return Math.max(...got.flatMap((row, i) => row.map((x, j) => Math.abs(x - (want[i]?.[j] as number)))));
}

describe("feature extraction through POST /v1/models/{name}/infer", () => {
  it("returns the embeddings PyTorch computes from the same weights (mean, CLS, normalized)", async () => {
    const { texts } = expected;
    const mean = await embeddings({ texts });
    expect(mean).toMatchObject({ model: MODEL, pooling: "mean", normalized: false, dims: expected.dims });
    expect(worstDiff(mean.embeddings, expected.mean)).toBeLessThan(1e-5);
    expect(worstDiff((await embeddings({ texts, pooling: "cls" })).embeddings, expected.cls)).toBeLessThan(
      1e-5,
    );
    const unit = await embeddings({ texts, normalize: true });
    expect(worstDiff(unit.embeddings, expected.meanNormalized)).toBeLessThan(1e-5);
    const clsUnit = await embeddings({ texts, pooling: "cls", normalize: true });
    expect(worstDiff(clsUnit.embeddings, expected.clsNormalized)).toBeLessThan(1e-5);
    const one = await embeddings({ text: texts[2] });
    expect(worstDiff(one.embeddings, [expected.mean[2] as number[]])).toBeLessThan(1e-5);
  });

  it("refuses bad requests and over-long texts with problem+json", async () => {
    await problemOf(await infer({ task: "feature-extraction", text: "a", texts: ["b"] }), 400);
    await problemOf(await infer({ task: "feature-extraction", text: "a", pooling: "max" }), 400);
    const long = "free money now ".repeat(40);
    const problem = await problemOf(await infer({ task: "feature-extraction", text: long }), 422);
    expect(problem.detail).toMatch(/reads at most 64/);
    const cut = await embeddings({ text: long, truncation: true });
    expect(cut.embeddings[0]).toHaveLength(expected.dims);
  });
});
