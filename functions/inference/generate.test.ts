import { Template } from "@huggingface/jinja";
import { describe, expect, it } from "vitest";
import { api, problemOf, publish, stage } from "../../test/workers/api.ts";
import config from "./fixtures/tiny-gpt2/config.json";
import expected from "./fixtures/tiny-gpt2/expected.json";
import modelBytes from "./fixtures/tiny-gpt2/model.onnx";
import withPastBytes from "./fixtures/tiny-gpt2/model_with_past.onnx";
import tokenizerJson from "./fixtures/tiny-gpt2/tokenizer.json";
import tokenizerConfig from "./fixtures/tiny-gpt2/tokenizer_config.json";
import spamConfig from "./fixtures/tiny-spam/config.json";
import spamBytes from "./fixtures/tiny-spam/model.onnx";
import spamTokenizer from "./fixtures/tiny-spam/tokenizer.json";
import spamTokenizerConfig from "./fixtures/tiny-spam/tokenizer_config.json";
import { GenerationResponse, InferResponse } from "./schemas.ts";

const MODEL = "tiny-gpt2";
const text = {
  "config.json": JSON.stringify(config),
  "tokenizer.json": JSON.stringify(tokenizerJson),
  "tokenizer_config.json": JSON.stringify(tokenizerConfig),
};
let published: Promise<void> | undefined;

/** 1.0.0 has no KV cache (the whole sequence is re-run), 2.0.0 is the same weights with past_key_values. */
function publishOnce(): Promise<void> {
  published ??= (async () => {
    await stage(MODEL, "1.0.0", { ...text, "onnx/model.onnx": new Uint8Array(modelBytes) });
    expect((await publish(MODEL, "1.0.0")).status).toBe(201);
    await stage(MODEL, "2.0.0", { ...text, "onnx/model.onnx": new Uint8Array(withPastBytes) });
    expect((await publish(MODEL, "2.0.0")).status).toBe(201);
  })();
  return published;
}

function infer(body: unknown, model = MODEL) {
  return api(`/v1/models/${model}/infer`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    token: "read",
  });
}

async function generated(body: Record<string, unknown>) {
  await publishOnce();
  const res = await infer(body);
  expect(res.status, await res.clone().text()).toBe(200);
  return GenerationResponse.parse(await res.json());
}

describe("text generation through POST /v1/models/{name}/infer", () => {
  it("continues the learned sequence greedily, as transformers' generate() does, with and without KV cache", async () => {
    for (const version of ["1.0.0", "2.0.0"]) {
      for (const want of expected.greedy) {
        const got = await generated({ prompt: want.prompt, max_new_tokens: want.maxNewTokens, version });
        expect(got).toMatchObject({
          version,
          variant: "fp32",
          kv_cache: version === "2.0.0",
          text: want.text,
        });
        const eos = want.tokenIds.at(-1) === expected.eosTokenId;
        expect(got.finish_reason).toBe(eos ? "eos" : "length");
        expect(got.usage.completion_tokens).toBe(want.tokenIds.length - (eos ? 1 : 0));
      }
    }
    // the latest version (with the cache) is the default
    expect((await generated({ prompt: "one two three", max_new_tokens: 2 })).kv_cache).toBe(true);
  });

  it("bounds the continuation by max_new_tokens and cuts it before a stop string", async () => {
    const two = await generated({ prompt: "one two three", max_new_tokens: 2 });
    expect(two).toMatchObject({ text: " four five", finish_reason: "length" });
    expect(two.usage.completion_tokens).toBe(2);
    const stopped = await generated({
      prompt: "one two three",
      max_new_tokens: 20,
      stop: [" seven", "nine"],
    });
    expect(stopped).toMatchObject({ text: " four five six", finish_reason: "stop" });
  });

  it("samples reproducibly by seed; temperature 0, top_k 1 and a tiny temperature equal greedy", async () => {
    const prompt = "the cat";
    const greedy = await generated({ prompt, max_new_tokens: 8 });
    for (const sampling of [
      { temperature: 0 },
      { top_k: 1, temperature: 5 },
      { temperature: 1e-4, seed: 3 },
    ]) {
      expect((await generated({ prompt, max_new_tokens: 8, ...sampling })).text).toBe(greedy.text);
    }
    const hot = { prompt, max_new_tokens: 8, temperature: 8 };
    const a = await generated({ ...hot, seed: 1 });
    expect((await generated({ ...hot, seed: 1 })).text).toBe(a.text);
    const texts = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) texts.add((await generated({ ...hot, seed })).text);
    expect(texts.size).toBeGreaterThan(1);
    // without KV cache the same seed draws the same sample
    expect((await generated({ ...hot, seed: 1, version: "1.0.0" })).text).toBe(a.text);
  });

  it("renders a few-shot template as jinja does, and the model's chat_template over messages", async () => {
    const { template, variables, examples, rendered } = expected.fewShot;
    const got = await generated({ template, variables, examples, max_new_tokens: 3 });
    expect(got.prompt).toBe(rendered); // Python's jinja2 rendered the same
    expect(got.prompt).toBe(new Template(template).render({ ...variables, examples }));
    expect(got.text).toBe((await generated({ prompt: rendered, max_new_tokens: 3 })).text);
    const chat = await generated({ messages: expected.chat.messages, max_new_tokens: 2 });
    expect(chat.prompt).toBe(expected.chat.rendered); // transformers' apply_chat_template
  });

  it("answers bad templates and requests with problem+json", async () => {
    await publishOnce();
    const unparsable = await problemOf(await infer({ template: "{% for x in %}", max_new_tokens: 2 }), 422);
    expect(unparsable.type).toMatch(/invalid-template$/);
    expect(unparsable.detail).toMatch(/does not parse/);
    const failing = await problemOf(await infer({ template: "{{ raise_exception('no') }}" }), 422);
    expect(failing.detail).toMatch(/fails to render/);
    await problemOf(await infer({ prompt: "one", template: "x" }), 400);
    await problemOf(await infer({ prompt: "one", examples: [{}] }), 400);
    await problemOf(await infer({ prompt: "one", max_new_tokens: 0 }), 400);
    await problemOf(await infer({ prompt: "one", top_p: 0 }), 400);
    await problemOf(await infer({ prompt: "one", task: "poetry" }), 400);
    const long = await problemOf(await infer({ prompt: "one two three ".repeat(40) }), 422);
    expect(long.detail).toMatch(/64 positions/);
  });

  it("refuses a classifier with 422 not-a-text-generator instead of generating its label ids", async () => {
    const SPAM = "tiny-spam-not-gen";
    await stage(SPAM, "1.0.0", {
      "config.json": JSON.stringify(spamConfig),
      "tokenizer.json": JSON.stringify(spamTokenizer),
      "tokenizer_config.json": JSON.stringify(spamTokenizerConfig),
      "onnx/model.onnx": new Uint8Array(spamBytes),
    });
    expect((await publish(SPAM, "1.0.0")).status).toBe(201);
    for (const body of [
      { prompt: "free money, click", max_new_tokens: 4 },
      { template: "Subject: {{ prompt }}", variables: { prompt: "free money" } },
      { messages: [{ role: "user", content: "hello" }] },
      { prompt: "free money", task: "text-generation", variant: "fp32", version: "1.0.0" },
    ]) {
      const refused = await problemOf(await infer(body, SPAM), 422);
      expect(refused.type).toMatch(/not-a-text-generator$/);
      expect(refused.detail).toMatch(
        /^tiny-spam-not-gen@1\.0\.0 \(fp32\) is not a text generator: .*; its outputs are logits \[batch, 2\]\. /,
      );
      expect(refused.outputs).toEqual(["logits"]);
    }
    // the same model still answers its own task
    const classified = await infer({ text: "free money, click now" }, SPAM);
    expect(classified.status).toBe(200);
    expect(InferResponse.parse(await classified.json()).predictions).toHaveLength(1);
  });

  it("refuses a masked language model (config.json's architectures) although its logits are rank 3", async () => {
    const MLM = "tiny-mlm-not-gen";
    await stage(MLM, "1.0.0", {
      ...text,
      "config.json": JSON.stringify({ ...config, architectures: ["BertForMaskedLM"] }),
      "onnx/model.onnx": new Uint8Array(modelBytes),
    });
    expect((await publish(MLM, "1.0.0")).status).toBe(201);
    const refused = await problemOf(await infer({ prompt: "one two three", max_new_tokens: 3 }, MLM), 422);
    expect(refused.type).toMatch(/not-a-text-generator$/);
    expect(refused.detail).toMatch(
      /^tiny-mlm-not-gen@1\.0\.0 \(fp32\) is not a text generator: .*BertForMaskedLM/,
    );
    // the same files named a causal LM generate
    await publishOnce();
    expect((await infer({ prompt: "one two three", max_new_tokens: 3 })).status).toBe(200);
  });
});
