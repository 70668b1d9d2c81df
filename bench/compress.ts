// Quantization speed and output size, ours against onnxruntime's Python quantizers, on the same
// models in one run, reported as ratios (speedup = their seconds ÷ ours: above 1 means ours is
// faster; size = our bytes ÷ theirs: below 1 means ours is smaller). Both sides are timed file in
// to file out (read, quantize, write), median of RUNS runs after a warm-up, single thread.
// Pairs: q8 ↔ quantize_dynamic; q4 ↔ MatMulNBitsQuantizer with Gather tables; q4 with embeddings
// kept ↔ MatMulNBitsQuantizer on MatMul only (its default). MLPs of growing width show how our
// time grows with model size (seconds per MB of fp32 file). Writes bench/results/compress.json.
//
//   node --import tsx bench/compress.ts            (EDGETUNE_BENCH_RUNS=5 by default)
//
// The Python side runs scripts/fixtures/make_quantizer_reference.py from the project's .venv
// (or EDGETUNE_PYTHON).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readModelFile, writeModelFile } from "../compression/onnx-io/files.ts";
import { type PresetOptions, preset, runRecipe } from "../compression/recipes/index.ts";
import { pythonEnvironment, repoRoot } from "../training-runner/python-env.ts";
import { median, writeResult } from "./report.ts";

const RUNS = Number(process.env.EDGETUNE_BENCH_RUNS ?? 5);
const script = join(repoRoot, "scripts", "fixtures", "make_quantizer_reference.py");
const python = pythonEnvironment();
const tmp = mkdtempSync(join(tmpdir(), "edgetune-bench-compress-"));

const models: Record<string, string> = {
  "tiny-spam": join(repoRoot, "functions", "inference", "fixtures", "tiny-spam", "model.onnx"),
  "gpt2-legacy": join(repoRoot, "compression", "fixtures", "gpt2-legacy", "model.onnx"),
  "mlp-256": join(repoRoot, "compression", "fixtures", "quantizer-reference", "mlp.onnx"),
};
const demo = join(repoRoot, ".edgetune", "demo", "run", "model", "onnx", "model.onnx");
if (existsSync(demo)) models["demo-spam-bert"] = demo;
for (const hidden of [512, 1024]) {
  const path = join(tmp, `mlp-${hidden}.onnx`);
  const r = spawnSync(python, [script, "--write-mlp", path, String(hidden)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`writing mlp-${hidden} failed: ${r.stderr}`);
  models[`mlp-${hidden}`] = path;
}

const pairs = [
  { ours: "q8", options: {}, theirs: "q8" },
  { ours: "q4", options: {}, theirs: "q4_gather" },
  { ours: "q4", options: { embeddings: "keep" }, theirs: "q4" },
] as const satisfies readonly { ours: string; options: PresetOptions; theirs: string }[];

async function ours(path: string, name: string, options: PresetOptions) {
  const out = join(tmp, `ours-${name}.onnx`);
  const once = async () => {
    const t = performance.now();
    const model = await readModelFile(path);
    const result = await runRecipe(model, preset(name, options));
    await writeModelFile(result.model, out);
    return (performance.now() - t) / 1000;
  };
  await once(); // warm-up: JIT, as Python's side has its imports done before timing
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) seconds.push(await once());
  return { seconds: median(seconds), bytes: statSync(out).size };
}

interface TheirFigures {
  seconds: number;
  bytes: number;
}
const theirRun = spawnSync(python, [script, "--bench", String(RUNS), ...Object.values(models)], {
  encoding: "utf8",
  maxBuffer: 16 << 20,
  env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
});
if (theirRun.status !== 0) throw new Error(`onnxruntime's quantizers failed: ${theirRun.stderr}`);
const theirs = JSON.parse(theirRun.stdout) as {
  versions: Record<string, string>;
  models: Record<string, Record<string, TheirFigures>>;
};

const rows: Record<string, unknown>[] = [];
for (const [model, path] of Object.entries(models)) {
  const fp32Bytes = statSync(path).size;
  for (const pair of pairs) {
    const mine = await ours(path, pair.ours, pair.options);
    const their = theirs.models[path]?.[pair.theirs];
    if (!their) throw new Error(`no figures from onnxruntime for ${model} ${pair.theirs}`);
    const row = {
      model,
      fp32Bytes,
      ours: `${pair.ours}${"embeddings" in pair.options ? " (embeddings kept)" : ""}`,
      theirs: pair.theirs,
      oursSeconds: mine.seconds,
      theirsSeconds: their.seconds,
      speedup: their.seconds / mine.seconds,
      oursBytes: mine.bytes,
      theirsBytes: their.bytes,
      oursRatioToFp32: mine.bytes / fp32Bytes,
      theirsRatioToFp32: their.bytes / fp32Bytes,
      sizeRatio: mine.bytes / their.bytes,
      oursSecondsPerMB: mine.seconds / (fp32Bytes / 1e6),
    };
    rows.push(row);
    console.log(
      `${model.padEnd(15)} ${row.ours.padEnd(22)} vs ${pair.theirs.padEnd(9)} speedup ×${row.speedup.toFixed(2)}  size ${(row.oursRatioToFp32 * 100).toFixed(1)} % vs ${(row.theirsRatioToFp32 * 100).toFixed(1)} % (ratio ${row.sizeRatio.toFixed(3)})`,
    );
  }
}
rmSync(tmp, { recursive: true, force: true });

const result = {
  benchmark: "compress",
  what: "quantization time (file in → file out) and output size, ours vs onnxruntime's Python quantizers, same models, same run",
  runs: RUNS,
  statistic: "median after one warm-up",
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "?", node: process.version },
  theirVersions: theirs.versions,
  rows,
};
console.log(`wrote ${writeResult("compress", result)}`);
