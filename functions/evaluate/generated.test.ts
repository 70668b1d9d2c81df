import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, preset, runRecipe } from "../../compression/index.ts";
import { bleu, chrf, rouge } from "../../evaluation/index.ts";
import { api, problemOf, publish, stage } from "../../test/workers/api.ts";
import gpt2Config from "../inference/fixtures/tiny-gpt2/config.json";
import gpt2Expected from "../inference/fixtures/tiny-gpt2/expected.json";
import gpt2Bytes from "../inference/fixtures/tiny-gpt2/model.onnx";
import gpt2WithPastBytes from "../inference/fixtures/tiny-gpt2/model_with_past.onnx";
import gpt2Tokenizer from "../inference/fixtures/tiny-gpt2/tokenizer.json";
import gpt2TokenizerConfig from "../inference/fixtures/tiny-gpt2/tokenizer_config.json";
import { GenerationResponse } from "../inference/schemas.ts";
import { GenerationEvaluation, MAX_GENERATED_EXAMPLES } from "./schemas.ts";
import { evaluate, jsonInit, publishSpam } from "./test-requests.ts";

const GPT2 = "tiny-gpt2-eval";
let gpt2Published: Promise<void> | undefined;
/** 1.0.0 re-runs the whole sequence per token (fp32, and a q8 variant made by compression's q8 preset),
 * 2.0.0 (the latest) is the same weights with a KV cache. */
function publishGpt2Once(): Promise<void> {
  const text = {
    "config.json": JSON.stringify(gpt2Config),
    "tokenizer.json": JSON.stringify(gpt2Tokenizer),
    "tokenizer_config.json": JSON.stringify(gpt2TokenizerConfig),
  };
  gpt2Published ??= (async () => {
    const q8 = encodeModel((await runRecipe(decodeModel(new Uint8Array(gpt2Bytes)), preset("q8"))).model);
    await stage(GPT2, "1.0.0", {
      ...text,
      "onnx/model.onnx": new Uint8Array(gpt2Bytes),
      "onnx/model_quantized.onnx": q8,
    });
    expect((await publish(GPT2, "1.0.0")).status).toBe(201);
    await stage(GPT2, "2.0.0", { ...text, "onnx/model.onnx": new Uint8Array(gpt2WithPastBytes) });
    expect((await publish(GPT2, "2.0.0")).status).toBe(201);
  })();
  return gpt2Published;
}

/** What the infer route generates for the same request. */
async function inferred(body: Record<string, unknown>): Promise<string> {
  const res = await api(`/v1/models/${GPT2}/infer`, { method: "POST", token: "read", ...jsonInit(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return GenerationResponse.parse(await res.json()).text;
}

async function evaluatedGenerator(body: Record<string, unknown>) {
  await publishGpt2Once();
  const res = await evaluate(GPT2, { task: "generation", ...body });
  expect(res.status, await res.clone().text()).toBe(200);
  return GenerationEvaluation.parse(await res.json());
}

describe("POST /v1/models/{name}/evaluate with {prompt, references}: a text generator at the edge", () => {
  it("generates for each prompt what inference generates, and scores those predictions as the library does", async () => {
    const prompts = ["one two three", "monday tuesday", "the cat"];
    const references = [["four five six seven"], "wednesday thursday friday saturday", ["sat on the mat"]];
    const examples = prompts.map((prompt, i) => ({ prompt, references: references[i] }));
    for (const version of ["1.0.0", undefined]) {
      const body = await evaluatedGenerator({
        examples,
        max_new_tokens: 6,
        metrics: ["bleu", "chrf", "rouge"],
        ...(version ? { version } : {}),
      });
      expect(body).toMatchObject({ model: GPT2, version: version ?? "2.0.0", variant: "fp32", count: 3 });
      const infer = await Promise.all(
        prompts.map((prompt) => inferred({ prompt, max_new_tokens: 6, version: body.version })),
      );
      expect(body.predictions).toEqual(infer);
      // transformers' greedy generate() for the first prompt (the fixture's reference)
      expect(body.predictions?.[0]).toBe(gpt2Expected.greedy[0]?.text);
      const preds = body.predictions ?? [];
      const refs = references.map((r) => (typeof r === "string" ? [r] : r));
      expect(body.metrics.bleu?.score).toBe(bleu(preds, refs).score);
      expect(body.metrics.bleu?.score).toBeGreaterThan(0);
      expect(body.metrics.chrf?.score).toBe(chrf(preds, refs).score);
      expect(body.metrics.rouge).toEqual(rouge(preds, refs, { useStemmer: true }));
      expect(body.metrics.rouge_stemmer).toBe(true);
      expect(body.metrics.meteor).toBeUndefined();
    }
  });

  it("passes max_new_tokens, stop strings and a few-shot template through as inference reads them", async () => {
    const { template, examples: fewShot } = gpt2Expected.fewShot;
    const promptTemplate = template.replace("{{ prefix }} {{ input | trim }}", "{{ prompt }}");
    const prompts = ["one two", "red green", "the cat sat"];
    const body = await evaluatedGenerator({
      examples: prompts.map((prompt) => ({ prompt, references: "three blue on" })),
      template: promptTemplate,
      few_shot: fewShot,
      max_new_tokens: 5,
      stop: ["\n"],
      metrics: ["chrf"],
    });
    const infer = await Promise.all(
      prompts.map((prompt) =>
        inferred({
          template: promptTemplate,
          variables: { prompt },
          examples: fewShot,
          max_new_tokens: 5,
          stop: ["\n"],
        }),
      ),
    );
    expect(body.predictions).toEqual(infer);
    expect(body.predictions?.every((p) => !p.includes("\n"))).toBe(true);
    // the stop string and the token budget cut the greedy continuation " four five six seven eight nine"
    const counted = (options: Record<string, unknown>) =>
      evaluatedGenerator({
        examples: [{ prompt: "one two three", references: "four" }],
        metrics: ["bleu"],
        ...options,
      });
    expect((await counted({ max_new_tokens: 6, stop: [" six"] })).predictions).toEqual([" four five"]);
    expect((await counted({ max_new_tokens: 3 })).predictions).toEqual([" four five six"]);
  });

  it("compares the q8 variant with fp32 on the same prompts, each generating what inference does", async () => {
    const prompts = ["one two three", "monday tuesday", "the cat", "red green"];
    const examples = prompts.map((prompt) => ({ prompt, references: "four five six seven eight" }));
    const byVariant = new Map<string, GenerationEvaluation>();
    for (const variant of ["fp32", "q8"]) {
      const body = await evaluatedGenerator({
        examples,
        version: "1.0.0",
        variant,
        max_new_tokens: 5,
        metrics: ["chrf"],
      });
      expect(body).toMatchObject({ version: "1.0.0", variant, count: 4 });
      const infer = await Promise.all(
        prompts.map((prompt) => inferred({ prompt, max_new_tokens: 5, version: "1.0.0", variant })),
      );
      expect(body.predictions).toEqual(infer);
      byVariant.set(variant, body);
    }
    const manifest = (await (
      await api(`/v1/models/${GPT2}/manifest?version=1.0.0`, { token: "read" })
    ).json()) as {
      variants: { dtype: string; size: number }[];
    };
    const size = (dtype: string) => manifest.variants.find((v) => v.dtype === dtype)?.size ?? Number.NaN;
    expect(size("q8")).toBeLessThan(size("fp32"));
    const fp32 = byVariant.get("fp32")?.predictions ?? [];
    const q8 = byVariant.get("q8")?.predictions ?? [];
    // measured: q8 is 72 kB against fp32's 280 kB, and its greedy continuations of these prompts are fp32's,
    // so the two variants score alike on the same references
    expect(q8).toEqual(fp32);
    expect(byVariant.get("q8")?.metrics.chrf?.score).toBe(byVariant.get("fp32")?.metrics.chrf?.score);
  });

  it("answers mixed kinds, too many prompts, an unknown variant and a classifier with clear 4xx", async () => {
    await publishGpt2Once();
    await publishSpam("spam-not-gen");
    const prompt = { prompt: "one two", references: "three" };
    const prediction = { prediction: "three", references: "three" };
    const mixed = await problemOf(
      await evaluate(GPT2, { task: "generation", examples: [prompt, prediction] }),
      400,
    );
    expect(mixed.detail).toMatch(
      /examples mix \{prompt, references\} \(example 0\).*\{prediction, references\} \(example 1\)/,
    );
    const many = Array.from({ length: MAX_GENERATED_EXAMPLES + 1 }, () => prompt);
    const tooMany = await problemOf(await evaluate(GPT2, { task: "generation", examples: many }), 400);
    expect(tooMany.detail).toMatch(
      /^33 \{prompt, references\} examples; the Worker generates at most 32 per request/,
    );
    const withOptions = await problemOf(
      await evaluate(GPT2, {
        task: "generation",
        examples: [prediction],
        variant: "fp32",
        max_new_tokens: 3,
      }),
      400,
    );
    expect(withOptions.detail).toMatch(/^variant, max_new_tokens apply to \{prompt, references\} examples/);
    const variant = await problemOf(
      await evaluate(GPT2, { task: "generation", examples: [prompt], variant: "q3" }),
      404,
    );
    expect(variant.detail).toMatch(/has no variant "q3"; it has: fp32/);
    await problemOf(await evaluate(GPT2, { task: "generation", examples: [prompt], version: "9.9.9" }), 404);
    const classifier = await problemOf(
      await evaluate("spam-not-gen", { task: "generation", examples: [prompt] }),
      422,
    );
    expect(classifier.type).toMatch(/not-a-text-generator$/);
    expect(classifier.detail).toMatch(
      /^spam-not-gen@1\.0\.0 \(fp32\) is not a text generator: .*logits \[batch, 2\]/,
    );
    const long = await problemOf(
      await evaluate(GPT2, {
        task: "generation",
        examples: [prompt, { prompt: "one two three ".repeat(40), references: "x" }],
      }),
      422,
    );
    expect(long.detail).toMatch(/^example 1: the prompt is \d+ tokens; tiny-gpt2-eval has 64 positions/);
    expect(long.example).toBe(1);
    await problemOf(
      await evaluate(GPT2, { task: "generation", examples: [{ prompt: "", references: "x" }] }),
      400,
    );
  });
});
