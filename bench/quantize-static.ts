// Static int8 QDQ, ours against onnxruntime's quantize_static, on the MLP of
// compression/fixtures/quantizer-reference with the calibration batches of
// compression/fixtures/static-quantizer-reference, for each calibration method, in one run.
// Both sides are timed file in to file out, calibration included (ours: probe run in
// onnxruntime-node, histograms, ranges, the pass, write; theirs: quantize_static), median of RUNS
// runs after a warm-up, single thread. Reported as ratios: speedup = their seconds ÷ ours (above 1:
// ours is faster), sizeRatio = our bytes ÷ theirs. Top-1 agreement and cosine with fp32 on the
// fixture's evaluation inputs: ours measured here, theirs as recorded in the reference.
// Writes bench/results/quantize-static.json.
//
//   node --import tsx bench/quantize-static.ts          (EDGETUNE_BENCH_RUNS=5 by default)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import { calibrateStatic } from "../compression/calibration/calibrate.ts";
import type { CalibrationMethod } from "../compression/calibration/ranges.ts";
import { readModelFile, writeModelFile } from "../compression/onnx-io/files.ts";
import { quantizeStaticInt8 } from "../compression/passes/quantize-static-int8.ts";
import {
  cosine,
  floats,
  runFloat,
  runFloatProbe,
  top1Agreement,
} from "../compression/quantize/test-support.ts";
import { pythonEnvironment, repoRoot } from "../training-runner/python-env.ts";
import { median, writeResult } from "./report.ts";

const RUNS = Number(process.env.EDGETUNE_BENCH_RUNS ?? 5);
const script = join(repoRoot, "scripts", "fixtures", "make_static_quantizer_reference.py");
const referencePath = join(
  repoRoot,
  "compression",
  "fixtures",
  "static-quantizer-reference",
  "reference.json",
);
const reference = JSON.parse(readFileSync(referencePath, "utf8")) as {
  model: string;
  calibration: { dims: number[]; data: number[] }[];
  inputs: { x: { dims: number[]; data: number[] } };
  outputClasses: number;
  methods: Record<CalibrationMethod, { bytes: number; top1Agreement: number; cosine: number }>;
};
const modelPath = join(repoRoot, reference.model);
const tmp = mkdtempSync(join(tmpdir(), "edgetune-bench-static-"));
const calibrationPath = join(tmp, "calibration.json");
writeFileSync(calibrationPath, JSON.stringify(reference.calibration));
const batches = reference.calibration.map((b) => ({
  x: new ort.Tensor("float32", Float32Array.from(b.data), b.dims),
}));
const evaluation = {
  x: new ort.Tensor("float32", Float32Array.from(reference.inputs.x.data), reference.inputs.x.dims),
};

async function ours(method: CalibrationMethod) {
  const out = join(tmp, `ours-${method}.onnx`);
  const once = async () => {
    const t = performance.now();
    const model = await readModelFile(modelPath);
    const ranges = await calibrateStatic(model, batches, runFloatProbe, { method });
    const { model: quantized } = await quantizeStaticInt8.apply(
      model,
      quantizeStaticInt8.options.parse({ ranges }),
    );
    await writeModelFile(quantized, out);
    return (performance.now() - t) / 1000;
  };
  await once();
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) seconds.push(await once());
  return { seconds: median(seconds), bytes: statSync(out).size, path: out };
}

const theirRun = spawnSync(
  pythonEnvironment(),
  [script, "--bench", String(RUNS), modelPath, calibrationPath],
  {
    encoding: "utf8",
    maxBuffer: 16 << 20,
    env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
  },
);
if (theirRun.status !== 0) throw new Error(`onnxruntime's quantize_static failed: ${theirRun.stderr}`);
const theirs = JSON.parse(theirRun.stdout) as {
  versions: Record<string, string>;
  methods: Record<string, { seconds: number; bytes: number }>;
};

const base = floats((await runFloat(await readModelFile(modelPath), evaluation)).logits);
const fp32Bytes = statSync(modelPath).size;
const rows: Record<string, unknown>[] = [];
for (const method of ["minmax", "percentile", "entropy"] as const) {
  const mine = await ours(method);
  const their = theirs.methods[method];
  if (!their) throw new Error(`no figures from onnxruntime for ${method}`);
  const got = floats((await runFloat(readFileSync(mine.path), evaluation)).logits);
  const recorded = reference.methods[method];
  const row = {
    model: reference.model,
    method,
    oursSeconds: mine.seconds,
    theirsSeconds: their.seconds,
    speedup: their.seconds / mine.seconds,
    oursBytes: mine.bytes,
    theirsBytes: their.bytes,
    oursRatioToFp32: mine.bytes / fp32Bytes,
    theirsRatioToFp32: their.bytes / fp32Bytes,
    sizeRatio: mine.bytes / their.bytes,
    oursTop1Agreement: top1Agreement(got, base, reference.outputClasses),
    theirsTop1Agreement: recorded.top1Agreement,
    oursCosine: cosine(got, base),
    theirsCosine: recorded.cosine,
  };
  rows.push(row);
  console.log(
    `${method.padEnd(10)} speedup ×${row.speedup.toFixed(2)}  size ${(row.oursRatioToFp32 * 100).toFixed(1)} % vs ${(row.theirsRatioToFp32 * 100).toFixed(1)} %  top-1 ${row.oursTop1Agreement.toFixed(3)} vs ${row.theirsTop1Agreement.toFixed(3)}  cosine ${row.oursCosine.toFixed(5)} vs ${row.theirsCosine.toFixed(5)}`,
  );
}
rmSync(tmp, { recursive: true, force: true });

const result = {
  benchmark: "quantize-static",
  what: "static int8 QDQ (calibration included), ours vs onnxruntime's quantize_static, same model, same calibration batches, same run",
  runs: RUNS,
  statistic: "median after one warm-up",
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "?", node: process.version },
  theirVersions: theirs.versions,
  rows,
};
console.log(`wrote ${writeResult("quantize-static", result)}`);
