import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../functions/local.ts";
import { ApiError, EdgetuneApi } from "./api-client.ts";

// The client's inference methods against a local Worker (workerd) serving functions/inference's
// fixtures, whose expected.json files hold what PyTorch / onnxruntime (Python) give for them.
const TOKEN = "et_dev_api_client_test_5c1e";
const root = join(import.meta.dirname, "..");
const fixture = (...path: string[]) => new Uint8Array(readFileSync(join(root, ...path)));
const json = <T>(...path: string[]) => JSON.parse(readFileSync(join(root, ...path), "utf8")) as T;

const gpt2 = "functions/inference/fixtures/tiny-gpt2";
const encoder = "functions/inference/fixtures/tiny-encoder";
const generation = json<{
  greedy: { prompt: string; maxNewTokens: number; text: string; tokenIds: number[] }[];
}>(gpt2, "expected.json");
const embedding = json<{
  texts: string[];
  tokenIds: number[][];
  mean: number[][];
  meanNormalized: number[][];
}>(encoder, "expected.json");
interface TensorJson {
  dims: number[];
  data: number[];
}
const int4 = json<{ inputs: Record<string, TensorJson>; outputs: Record<string, TensorJson> }>(
  "compression/fixtures/int4-matmul/reference.json",
);

const worstDiff = (got: ArrayLike<unknown>, want: ArrayLike<number>) =>
  Math.max(...Array.from(want, (x, i) => Math.abs(x - (got[i] as number))));

let worker: LocalWorker;
let stateDir: string;
let api: EdgetuneApi;

async function publishFolder(name: string, folder: string, files: Record<string, string>) {
  for (const [path, local] of Object.entries(files))
    await api.uploadFile(name, "1", path, fixture(folder, local));
  await api.publish(name, "1");
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "edgetune-api-client-"));
  worker = await startLocalWorker({ stateDir, devToken: TOKEN });
  api = new EdgetuneApi(worker.url, TOKEN);
  const text = { "config.json": "config.json", "tokenizer.json": "tokenizer.json" };
  const tokenizerConfig = { "tokenizer_config.json": "tokenizer_config.json" };
  // transformers.js's decoder-only layout: the graph with past_key_values is onnx/model.onnx
  await publishFolder("tiny-gpt2", gpt2, {
    ...text,
    ...tokenizerConfig,
    "onnx/model.onnx": "model_with_past.onnx",
  });
  await publishFolder("tiny-encoder", encoder, {
    ...text,
    ...tokenizerConfig,
    "onnx/model.onnx": "model.onnx",
  });
  await api.uploadFile("int4", "1", "config.json", new TextEncoder().encode("{}"));
  await api.uploadFile(
    "int4",
    "1",
    "onnx/model.onnx",
    fixture("compression/fixtures/int4-matmul/model.onnx"),
  );
  await api.publish("int4", "1");
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("EdgetuneApi inference methods", () => {
  it("generate() continues prompts greedily as transformers' generate() does, with the KV cache", async () => {
    for (const want of generation.greedy) {
      const got = await api.generate("tiny-gpt2", { prompt: want.prompt, max_new_tokens: want.maxNewTokens });
      expect(got).toMatchObject({ model: "tiny-gpt2", version: "1", variant: "fp32", kv_cache: true });
      expect(got.text).toBe(want.text);
      expect(got.usage.completion_tokens).toBe(want.tokenIds.filter((id) => id !== 0).length);
    }
  });

  it("embed() returns PyTorch's mean-pooled embeddings, and unit vectors when normalized", async () => {
    const plain = await api.embed("tiny-encoder", { texts: embedding.texts });
    expect(plain).toMatchObject({ task: "feature-extraction", pooling: "mean", normalized: false, dims: 32 });
    plain.embeddings.forEach((vector, i) => {
      expect(worstDiff(vector, embedding.mean[i] as number[])).toBeLessThan(1e-4);
    });
    const unit = await api.embed("tiny-encoder", { text: embedding.texts[0] as string, normalize: true });
    expect(worstDiff(unit.embeddings[0] as number[], embedding.meanNormalized[0] as number[])).toBeLessThan(
      1e-4,
    );
  });

  it("inferTensors() runs typed arrays, int64 ones included, and returns onnxruntime's outputs", async () => {
    const [name, x] = Object.entries(int4.inputs)[0] as [string, TensorJson];
    const ran = await api.inferTensors("int4", {
      [name]: { dtype: "float32", dims: x.dims, data: Float32Array.from(x.data) },
    });
    for (const [output, want] of Object.entries(int4.outputs)) {
      expect(ran.outputs[output]?.dims).toEqual(want.dims);
      expect(worstDiff(ran.outputs[output]?.data ?? [], want.data)).toBeLessThan(1e-4);
    }

    // int64 token ids as a BigInt64Array: the encoder's hidden states, mean-pooled here, are the embedding
    const ids = embedding.tokenIds[0] as number[];
    const int64 = (values: number[]) => ({
      dtype: "int64" as const,
      dims: [1, ids.length],
      data: BigInt64Array.from(values, BigInt),
    });
    const hidden = await api.inferTensors(
      "tiny-encoder",
      {
        input_ids: int64(ids),
        attention_mask: int64(ids.map(() => 1)),
        token_type_ids: int64(ids.map(() => 0)),
      },
      { outputs: ["last_hidden_state"] },
    );
    const state = hidden.outputs.last_hidden_state;
    expect(state?.dims).toEqual([1, ids.length, 32]);
    const data = (state?.data ?? []) as number[];
    const mean = Array.from(
      { length: 32 },
      (_, d) => ids.reduce((sum, _id, t) => sum + (data[t * 32 + d] as number), 0) / ids.length,
    );
    expect(worstDiff(mean, embedding.mean[0] as number[])).toBeLessThan(1e-4);
  });

  it("throws ApiError with the server's problem detail on a bad request", async () => {
    const error = await api
      .inferTensors("int4", { nope: { dtype: "float32", dims: [1], data: [0] } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/"nope": the model has no such input/);
    const missing = await api.generate("no-such-model", { prompt: "one" }).catch((e) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing.status).toBe(404);
  });
});
