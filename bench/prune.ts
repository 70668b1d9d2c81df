// What pruning buys, in one run, as ratios: latency in onnxruntime-node of structured pruning
// (50 % FFN neurons, 50 % heads, both) against the unpruned model on a BERT big enough to show it
// (hidden 256, 4 layers, 4 heads, FFN 1024, batch 8 × 128 tokens; made by
// scripts/fixtures/make_pruning_fixtures.py --bench when missing), and the download sizes (raw,
// gzip -9, brotli) of unstructured pruning (magnitude 50/70 %, 2:4) on the same model and on the
// trained fixture. Latencies are medians of interleaved runs, one thread. Writes bench/results/prune.json.
//
//   node --import tsx bench/prune.ts
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import { decodeModel, encodeModel } from "../compression/onnx-io/codec.ts";
import type { ModelProto } from "../compression/onnx-io/onnx-types.ts";
import { countParameters } from "../compression/onnx-io/summary.ts";
import { nmPrune, pruneMagnitude, structuredFfn, structuredHeads } from "../compression/pruning/index.ts";
import { quality, trainedModel, transportSizes } from "../compression/pruning/test-support.ts";
import { pythonEnvironment, repoRoot } from "../training-runner/python-env.ts";
import { writeResult } from "./report.ts";

const RUNS = Number(process.env.EDGETUNE_PRUNE_RUNS ?? 15);
const benchModel = join(repoRoot, ".edgetune", "pruning-bench", "model.onnx");

if (!existsSync(benchModel)) {
  const made = spawnSync(pythonEnvironment(), ["scripts/fixtures/make_pruning_fixtures.py", "--bench"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (made.status !== 0) throw new Error("could not make the bench model");
}
const base = decodeModel(readFileSync(benchModel));

const ffn = (m: ModelProto) =>
  structuredFfn.apply(m, structuredFfn.options.parse({ ratio: 0.5 })) as { model: ModelProto };
const heads = (m: ModelProto) =>
  structuredHeads.apply(m, structuredHeads.options.parse({ ratio: 0.5 })) as { model: ModelProto };
const variants: Record<string, ModelProto> = {
  base,
  "ffn-50": ffn(base).model,
  "heads-50": heads(base).model,
  "ffn-50+heads-50": heads(ffn(base).model).model,
};

const feeds = {
  input_ids: new ort.Tensor(
    "int64",
    BigInt64Array.from({ length: 8 * 128 }, (_, i) => BigInt(1 + ((i * 7919) % 999))),
    [8, 128],
  ),
  attention_mask: new ort.Tensor("int64", new BigInt64Array(8 * 128).fill(1n), [8, 128]),
};
const sessions = Object.fromEntries(
  await Promise.all(
    Object.entries(variants).map(async ([k, m]) => [
      k,
      await ort.InferenceSession.create(encodeModel(m), { intraOpNumThreads: 1, interOpNumThreads: 1 }),
    ]),
  ),
) as Record<string, ort.InferenceSession>;
const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < RUNS + 2; r++)
  for (const [k, s] of Object.entries(sessions)) {
    const t = performance.now();
    await s.run(feeds);
    if (r >= 2) times[k]?.push(performance.now() - t); // two warm-up rounds
  }
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const baseMs = median(times.base as number[]);
const latency = Object.fromEntries(
  Object.entries(variants).map(([k, m]) => {
    const ms = median(times[k] as number[]);
    return [
      k,
      { parameters: countParameters(m), bytes: encodeModel(m).length, p50Ms: ms, speedup: baseMs / ms },
    ];
  }),
);
for (const s of Object.values(sessions)) await s.release();

async function transport(model: ModelProto, brotliQuality: number, withQuality: boolean) {
  const ref = transportSizes(model, brotliQuality);
  const rows: Record<string, unknown> = { dense: ref };
  const unstructured: Record<string, ModelProto> = {
    "magnitude-50": (
      await pruneMagnitude.apply(model, { sparsity: 0.5, scope: "global", exclude: [], minElements: 0 })
    ).model,
    "magnitude-70": (
      await pruneMagnitude.apply(model, { sparsity: 0.7, scope: "global", exclude: [], minElements: 0 })
    ).model,
    "2:4": (await nmPrune.apply(model, nmPrune.options.parse({}))).model,
  };
  for (const [k, m] of Object.entries(unstructured)) {
    const s = transportSizes(m, brotliQuality);
    rows[k] = {
      ...s,
      gzipRatio: s.gzip / ref.gzip,
      brotliRatio: s.brotli / ref.brotli,
      ...(withQuality ? { quality: await quality(m) } : {}),
    };
  }
  return rows;
}

const result = {
  node: process.version,
  cpus: cpus().length,
  onnxruntimeNode: ort.env.versions.node,
  runs: RUNS,
  latency: { model: "BERT hidden 256, 4 layers, 4 heads, FFN 1024; batch 8 × 128", variants: latency },
  transport: {
    "bert-legacy-trained (brotli q11)": await transport(trainedModel(), 11, true),
    "bench BERT, untrained (brotli q9)": await transport(base, 9, false),
  },
};
writeResult("prune", result);
console.log(JSON.stringify(result, null, 2));
