// What the KV cache buys in edge text generation, as a ratio: milliseconds per generated token of the
// same tiny GPT-2 (functions/inference/fixtures/tiny-gpt2) exported without a cache (every step re-runs
// the whole sequence) and with past_key_values (every step runs only the new token), through the same
// client generator, in onnxruntime-node and onnxruntime-web (WASM, as the Worker runs it), one thread.
// Both layouts draw the same tokens (seeded sampling, a seed whose sample runs long), so they do the
// same work; runs are interleaved and medians reported. Writes bench/results/generation.json.
//
//   node --import tsx bench/generation.ts
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { createTextGenerator, type GenerateOptions } from "../client/text-generator.ts";
import { repoRoot } from "../training-runner/python-env.ts";
import { writeResult } from "./report.ts";

const RUNS = Number(process.env.EDGETUNE_GENERATION_RUNS ?? 9);
const fixture = join(repoRoot, "functions", "inference", "fixtures", "tiny-gpt2");
const json = (name: string) => JSON.parse(readFileSync(join(fixture, name), "utf8"));
const [tokenizerJson, tokenizerConfig, config] = [
  "tokenizer.json",
  "tokenizer_config.json",
  "config.json",
].map(json);
const PROMPT = "the cat";

ortWeb.env.wasm.numThreads = 1;
const runtimes = {
  "onnxruntime-node": async (bytes: Uint8Array) =>
    ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
  "onnxruntime-web": async (bytes: Uint8Array) => ortWeb.InferenceSession.create(bytes),
};

async function generators(runtime: keyof typeof runtimes) {
  const ort = runtime === "onnxruntime-node" ? ortNode : ortWeb;
  const make = async (file: string) =>
    createTextGenerator({
      ort,
      session: await runtimes[runtime](readFileSync(join(fixture, file))),
      tokenizerJson,
      tokenizerConfig,
      config,
    });
  return { "no-cache": await make("model.onnx"), "kv-cache": await make("model_with_past.onnx") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const results: Record<string, unknown> = {};
for (const runtime of Object.keys(runtimes) as (keyof typeof runtimes)[]) {
  const gens = await generators(runtime);
  // a seed whose sample fills most of the 64 positions, found once, used for both layouts
  let options: GenerateOptions | undefined;
  for (let seed = 0; seed < 200 && !options; seed++) {
    const o = { maxNewTokens: 60, sampling: { temperature: 3 }, seed };
    if ((await gens["no-cache"].generate(PROMPT, o)).tokenIds.length >= 50) options = o;
  }
  if (!options) throw new Error("no seed samples 50 tokens");
  const tokens = (await gens["kv-cache"].generate(PROMPT, options)).tokenIds.length;
  const same = (await gens["no-cache"].generate(PROMPT, options)).tokenIds.length === tokens;
  if (!same) throw new Error("the two layouts sampled different continuations");
  const times: Record<string, number[]> = { "no-cache": [], "kv-cache": [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [name, gen] of Object.entries(gens)) {
      const start = performance.now();
      await gen.generate(PROMPT, options);
      times[name]?.push((performance.now() - start) / tokens);
    }
  }
  const noCache = median(times["no-cache"] ?? []);
  const kvCache = median(times["kv-cache"] ?? []);
  results[runtime] = {
    tokens,
    msPerToken: { "no-cache": noCache, "kv-cache": kvCache },
    speedup: noCache / kvCache,
  };
  console.log(
    `${runtime}: ${tokens} tokens, ms/token no-cache ${noCache.toFixed(3)}, kv-cache ${kvCache.toFixed(3)}, ×${(noCache / kvCache).toFixed(2)}`,
  );
}

writeResult("generation", {
  bench: "generation",
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  runs: RUNS,
  prompt: PROMPT,
  results,
});
