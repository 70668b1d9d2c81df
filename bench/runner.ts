// Training throughput of the product against a bare PyTorch loop, and LoRA against full fine-tuning,
// in one run. Writes bench/results/runner.json.
//
// 1. tokens/s: `edgetune train`'s path (runTrainer → python -m trainer, the step events' tokens_per_s)
//    vs trainer/bench/bare_loop.py (transformers' BertForSequenceClassification, AdamW, clipping) with
//    the same model sizes, batch, sequence length, steps and threads. Every text of the bench's dataset
//    is longer than the sequence length, so both sides count batch × length tokens a step. The first
//    log window (trainer) / warm-up steps (bare loop) are not timed; windows hold equal token counts, so
//    the trainer's rate is their harmonic mean. ratio = trainer ÷ bare (target ≥ 0.95). Pairs alternate
//    their order (EDGETUNE_BENCH_RUNS pairs). Other processes on a shared machine only ever slow a
//    window down, so the headline ratio compares each side's best window over all pairs (the least
//    disturbed speed); the median-window ratio and every pair's harmonic-mean ratio are reported too.
// 2. LoRA vs full: the trainer's trainable parameters (start event) and peak memory of the trainer
//    process (trainer/bench/peak_memory.py: ru_maxrss, and torch.cuda.max_memory_allocated on CUDA).
//
//   node --import tsx bench/runner.ts      (env: EDGETUNE_BENCH_RUNS=1, EDGETUNE_BENCH_BASE=tiny-bert,
//                                            EDGETUNE_BENCH_THREADS=1, EDGETUNE_BENCH_STEPS=40)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { runTrainer, type StartEvent, type StepEvent } from "../training-runner/index.ts";
import { pythonEnvironment, repoRoot } from "../training-runner/python-env.ts";
import { median, writeResult } from "./report.ts";

const RUNS = Number(process.env.EDGETUNE_BENCH_RUNS ?? 1);
const BASE = process.env.EDGETUNE_BENCH_BASE ?? "tiny-bert";
const THREADS = Number(process.env.EDGETUNE_BENCH_THREADS ?? 1);
const STEPS = Number(process.env.EDGETUNE_BENCH_STEPS ?? 40);
const WINDOW = Math.max(1, Math.floor(STEPS / 4)); // log interval; the first window is the warm-up
const BATCH = 16;
const SEQ = 64;
const LR = 1e-3;
const python = pythonEnvironment();
const tmp = mkdtempSync(join(tmpdir(), "edgetune-bench-runner-"));
const threadEnv = {
  OMP_NUM_THREADS: String(THREADS),
  MKL_NUM_THREADS: String(THREADS),
  OPENBLAS_NUM_THREADS: "1",
  RAYON_NUM_THREADS: String(THREADS),
};

/** Long texts from a fixed word list: every example is truncated to SEQ tokens. */
function writeDataset(path: string, count: number): void {
  const words = Array.from({ length: 300 }, (_, i) => `w${(i * 7919) % 1000}x`);
  let state = 7;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      text: Array.from({ length: 3 * SEQ }, () => words[next() % words.length]).join(" "),
      label: i % 2 === 0 ? "a" : "b",
    }),
  );
  writeFileSync(path, `${lines.join("\n")}\n`);
}

const dataPath = join(tmp, "train.jsonl");
writeDataset(dataPath, 256);

function job(techniques: unknown[] = []) {
  return {
    model: { base: BASE },
    task: { labels: ["a", "b"] },
    data: { train: dataPath, validation_fraction: 0.1 },
    tokenizer: { vocab_size: 1000, min_frequency: 1 },
    schedule: {
      steps: STEPS,
      batch_size: BATCH,
      learning_rate: LR,
      warmup_steps: 0,
      max_seq_length: SEQ,
      log_interval: WINDOW,
      eval_interval: STEPS,
    },
    techniques,
    device: "auto",
  };
}

async function trainerRate(): Promise<{
  tokensPerS: number;
  windows: number[];
  vocab: number;
  device: string;
}> {
  const run = await runTrainer({ job: job(), outDir: join(tmp, "trainer"), threads: THREADS });
  const start = run.events.find((e): e is StartEvent => e.type === "start");
  const steps = run.events.filter((e): e is StepEvent => e.type === "step").slice(1);
  if (!start || steps.length === 0) throw new Error("the trainer reported no timed step windows");
  const tokensPerS = steps.length / steps.reduce((sum, e) => sum + 1 / e.tokens_per_s, 0);
  return {
    tokensPerS,
    windows: steps.map((e) => e.tokens_per_s),
    vocab: start.vocab_size,
    device: start.device,
  };
}

function bareRate(vocab: number): {
  tokens_per_s: number;
  window_tokens_per_s: number[];
  parameters: number;
} {
  const r = spawnSync(
    python,
    [
      "-m",
      "trainer.bench.bare_loop",
      ...["--base", BASE, "--vocab-size", String(vocab), "--batch", String(BATCH), "--seq", String(SEQ)],
      ...["--steps", String(STEPS), "--warmup-steps", String(WINDOW), "--threads", String(THREADS)],
      ...["--lr", String(LR), "--window", String(WINDOW)],
    ],
    {
      cwd: join(repoRoot, "training-runner"),
      encoding: "utf8",
      env: {
        ...process.env,
        ...threadEnv,
        PYTHONPATH: [join(repoRoot, "training-runner"), process.env.PYTHONPATH]
          .filter(Boolean)
          .join(delimiter),
      },
    },
  );
  if (r.status !== 0) throw new Error(`bare loop failed: ${r.stderr.trim().split("\n").at(-1)}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
}

function peakMemory(name: string, techniques: unknown[]) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const jobPath = join(dir, "job.json");
  writeFileSync(jobPath, JSON.stringify(job(techniques)));
  const reportPath = join(dir, "memory.json");
  const r = spawnSync(
    python,
    ["-m", "trainer.bench.peak_memory", "--job", jobPath, "--out", join(dir, "out"), "--report", reportPath],
    {
      cwd: join(repoRoot, "training-runner"),
      encoding: "utf8",
      env: { ...process.env, ...threadEnv, PYTHONPATH: join(repoRoot, "training-runner") },
    },
  );
  if (r.status !== 0) throw new Error(`${name} run failed: ${r.stderr.trim().split("\n").at(-1)}`);
  const start = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; parameters?: number; trainable_parameters?: number })
    .find((e) => e.type === "start");
  const memory = JSON.parse(readFileSync(reportPath, "utf8")) as {
    ru_maxrss_kib: number;
    ru_maxrss_after_imports_kib: number;
    cuda_max_memory_allocated: number | null;
  };
  return {
    parameters: start?.parameters,
    trainable_parameters: start?.trainable_parameters,
    // fp32 gradients (4 bytes) and AdamW's two moments (8 bytes) exist only for trainable parameters
    grad_and_adam_state_mib: ((start?.trainable_parameters ?? 0) * 12) / 2 ** 20,
    peak_rss_mib: memory.ru_maxrss_kib / 1024,
    peak_rss_above_imports_mib: (memory.ru_maxrss_kib - memory.ru_maxrss_after_imports_kib) / 1024,
    cuda_max_memory_allocated_mib:
      memory.cuda_max_memory_allocated === null ? null : memory.cuda_max_memory_allocated / 2 ** 20,
  };
}

try {
  const pairs: { trainer: number; bare: number; ratio: number }[] = [];
  const trainerWindows: number[] = [];
  const bareWindows: number[] = [];
  let device = "cpu";
  let parameters = 0;
  let vocab = 0;
  for (let i = 0; i < RUNS; i++) {
    // alternate which side runs first
    let trainer: Awaited<ReturnType<typeof trainerRate>>;
    let bare: ReturnType<typeof bareRate>;
    if (i % 2 === 0) {
      trainer = await trainerRate();
      vocab = trainer.vocab;
      bare = bareRate(vocab);
    } else {
      bare = bareRate(vocab); // the trained tokenizer's size: the same data and settings every run
      trainer = await trainerRate();
    }
    device = trainer.device;
    trainerWindows.push(...trainer.windows);
    bareWindows.push(...bare.window_tokens_per_s);
    parameters = bare.parameters;
    pairs.push({
      trainer: trainer.tokensPerS,
      bare: bare.tokens_per_s,
      ratio: trainer.tokensPerS / bare.tokens_per_s,
    });
    console.log(
      `pair ${i + 1}: trainer ${trainer.tokensPerS.toFixed(0)} tokens/s, bare loop ${bare.tokens_per_s.toFixed(0)} tokens/s, ratio ${(trainer.tokensPerS / bare.tokens_per_s).toFixed(3)}`,
    );
  }
  const full = peakMemory("full", []);
  const lora = peakMemory("lora", [{ name: "lora", r: 8, target_modules: ["query", "value"] }]);
  const result = {
    bench: "runner",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg_1m: loadavg()[0] },
    config: {
      base: BASE,
      parameters,
      batch: BATCH,
      seq: SEQ,
      steps: STEPS,
      timed_after: WINDOW,
      threads: THREADS,
      device,
    },
    throughput: {
      trainer_best_window_tokens_per_s: Math.max(...trainerWindows),
      bare_best_window_tokens_per_s: Math.max(...bareWindows),
      ratio: Math.max(...trainerWindows) / Math.max(...bareWindows),
      target: 0.95,
      median_window_ratio: median(trainerWindows) / median(bareWindows),
      pair_ratios_median: median(pairs.map((p) => p.ratio)),
      pairs,
      trainer_windows: trainerWindows,
      bare_windows: bareWindows,
    },
    lora_vs_full: {
      full,
      lora,
      trainable_ratio: (lora.trainable_parameters ?? 0) / (full.trainable_parameters ?? 1),
      peak_rss_ratio: lora.peak_rss_mib / full.peak_rss_mib,
    },
  };
  writeResult("runner", result);
  console.log(JSON.stringify({ throughput: result.throughput, lora_vs_full: result.lora_vs_full }, null, 2));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
