// GPU readiness: on a CUDA machine, trains a ~100M-parameter transformer (GPT-2 small or BERT-base
// sizes, training-runner/trainer/bench/gpu_readiness.py) with bf16 autocast for a bounded number of
// steps and writes tokens/s, peak memory and MFU (6·N·tokens/s ÷ the device's dense bf16 peak, from a
// table keyed by device name, or --peak-tflops) to bench/results/gpu-readiness.json. Without CUDA it
// prints that CUDA is not available, writes nothing, and exits 0.
//
//   node --import tsx bench/gpu-readiness.ts [--config gpt2-small|bert-base] [--batch 8] [--seq 1024]
//                                            [--steps 30] [--peak-tflops 989.4]
// The first min(5, steps − 1) steps are a warm-up, not timed.
// EDGETUNE_BENCH_RESULTS_DIR replaces bench/results (tests use a temporary folder).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pythonEnvironment, repoRoot } from "../training-runner/python-env.ts";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "gpt2-small" },
    batch: { type: "string", default: "8" },
    seq: { type: "string", default: "1024" },
    steps: { type: "string", default: "30" },
    "peak-tflops": { type: "string" },
  },
});
for (const key of ["batch", "seq", "steps"] as const) {
  if (!/^[1-9]\d*$/.test(values[key])) {
    process.stderr.write(`gpu-readiness: --${key} must be a positive whole number\n`);
    process.exit(2);
  }
}

const resultsDir = process.env.EDGETUNE_BENCH_RESULTS_DIR ?? join(repoRoot, "bench", "results");
const tmp = mkdtempSync(join(tmpdir(), "edgetune-gpu-readiness-"));
const report = join(tmp, "report.json");
try {
  const run = spawnSync(
    pythonEnvironment(),
    [
      "-m",
      "trainer.bench.gpu_readiness",
      ...["--config", values.config, "--batch", values.batch, "--seq", values.seq, "--steps", values.steps],
      ...["--warmup-steps", String(Math.min(5, Number(values.steps) - 1))],
      ...(values["peak-tflops"] ? ["--peak-tflops", values["peak-tflops"]] : []),
      ...["--report", report],
    ],
    { cwd: join(repoRoot, "training-runner"), stdio: ["ignore", "inherit", "inherit"] },
  );
  if (run.status !== 0) {
    process.stderr.write(`gpu-readiness: the Python benchmark exited with ${run.status ?? run.signal}\n`);
    process.exitCode = 1;
  } else if (existsSync(report)) {
    // CUDA ran: keep the report beside the other benchmarks' results
    mkdirSync(resultsDir, { recursive: true });
    const target = join(resultsDir, "gpu-readiness.json");
    writeFileSync(target, readFileSync(report));
    process.stdout.write(`wrote ${target}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
