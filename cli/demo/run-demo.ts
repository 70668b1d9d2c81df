// The main job on the embedded default: SpamAssassin → fine-tune → ONNX IO → serve in workerd → evaluate.
// Each stage is timed; a second run reuses the trained model unless asked to start fresh.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { encodeModel, modelSummary, readModelFile, writeModelFile } from "../../compression/node.ts";
import { majorityBaseline } from "../../evaluation/index.ts";
import { startLocalWorker } from "../../functions/local.ts";
import {
  type DoneMetrics,
  repoRoot,
  runTrainer,
  type TrainerEvent,
  writeSpamAssassinDataset,
} from "../../training-runner/index.ts";
import type { DemoReport, VariantRow } from "./report.ts";
import { readLabeledJsonl, scoreVariant } from "./score-variant.ts";

export interface DemoOptions {
  /** Everything the demo makes lives here (default .edgetune/demo). */
  workDir: string;
  /** Train again even when an earlier run's model is there. */
  fresh?: boolean;
  log?: (line: string) => void;
  onTrainerEvent?: (event: TrainerEvent) => void;
  /** Overrides of the example job's schedule (the test suite trains fewer steps). */
  schedule?: Record<string, number>;
  /** Score only the first N test examples. */
  testLimit?: number;
  latencySamples?: number;
}

interface SavedRun {
  jobHash: string;
  metrics: DoneMetrics;
  losses: { step: number; loss: number }[];
  validation: { step: number; loss: number; accuracy: number }[];
}

const exampleJob = join(repoRoot, "training-runner", "examples", "tiny-classifier.json");

function ensurePythonEnvironment(): void {
  const result = spawnSync("bash", [join(repoRoot, "scripts", "python-env.sh")], { stdio: "inherit" });
  if (result.status !== 0)
    throw new Error("could not set up the trainer's Python environment (scripts/python-env.sh)");
}

export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const log = options.log ?? (() => {});
  const { workDir } = options;
  const stageSeconds: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    log(`▸ ${stage}`);
    const start = performance.now();
    const result = await work();
    stageSeconds[stage] = (performance.now() - start) / 1000;
    return result;
  };
  mkdirSync(workDir, { recursive: true });

  await timed("python environment", ensurePythonEnvironment);

  const dataDir = join(workDir, "data");
  const dataset = await timed("dataset", () => writeSpamAssassinDataset(dataDir));
  const total = (c: { ham: number; spam: number }) => c.ham + c.spam;
  log(
    `  SpamAssassin: ${total(dataset.counts.train)} train, ${total(dataset.counts.validation)} validation, ${total(dataset.counts.test)} test emails (${dataset.dropped} duplicates dropped)`,
  );

  const job = JSON.parse(readFileSync(exampleJob, "utf8")) as {
    data: Record<string, string>;
    schedule: Record<string, number>;
  };
  job.data = { train: dataset.train, validation: dataset.validation };
  job.schedule = { ...job.schedule, ...options.schedule };
  const jobHash = createHash("sha256").update(JSON.stringify(job)).digest("hex");
  const runDir = join(workDir, "run");
  const savedPath = join(runDir, "edgetune-run.json");
  const onnxPath = join(runDir, "model", "onnx", "model.onnx");
  const modelDir = join(runDir, "model");

  const saved = await timed("fine-tune", async (): Promise<SavedRun & { reused: boolean }> => {
    if (!options.fresh && existsSync(savedPath) && existsSync(onnxPath)) {
      const previous = JSON.parse(readFileSync(savedPath, "utf8")) as SavedRun;
      if (previous.jobHash === jobHash) {
        log("  reusing the model trained by an earlier run (--fresh trains again)");
        return { ...previous, validation: previous.validation ?? [], reused: true };
      }
    }
    rmSync(runDir, { recursive: true, force: true });
    const losses: { step: number; loss: number }[] = [];
    const validation: { step: number; loss: number; accuracy: number }[] = [];
    const run = await runTrainer({
      job,
      outDir: runDir,
      onEvent: (event) => {
        if (event.type === "step") losses.push({ step: event.step, loss: event.loss });
        if (event.type === "eval")
          validation.push({ step: event.step, loss: event.loss, accuracy: event.accuracy });
        options.onTrainerEvent?.(event);
      },
    });
    const record: SavedRun = { jobHash, metrics: run.metrics, losses, validation };
    writeFileSync(savedPath, `${JSON.stringify(record, null, 2)}\n`);
    return { ...record, reused: false };
  });

  const variantsDir = join(workDir, "artifacts", "onnx");
  const fp32Path = join(variantsDir, "model.onnx");
  const fp32 = await timed("compress", async () => {
    mkdirSync(variantsDir, { recursive: true });
    const model = await readModelFile(onnxPath);
    await writeModelFile(model, fp32Path, { externalData: false });
    return { bytes: encodeModel(model), summary: modelSummary(model) };
  });

  const worker = await timed("serve", async () => {
    const local = await startLocalWorker({ port: 0, stateDir: join(workDir, "state") });
    try {
      const response = await fetch(`${local.url}/v1/health`);
      const health = (await response.json()) as { status: string; version: string };
      if (health.status !== "ok") throw new Error(`the local Worker is unhealthy: ${JSON.stringify(health)}`);
      log(`  edge API ${health.version} healthy at ${local.url}`);
      return { url: local.url, version: health.version };
    } finally {
      await local.stop();
    }
  });

  const maxLength = job.schedule.max_seq_length ?? 128;
  const variants = await timed("evaluate", async (): Promise<VariantRow[]> => {
    const examples = readLabeledJsonl(dataset.test, options.testLimit);
    const common = { modelDir, examples, maxLength, latencySamples: options.latencySamples ?? 100 };
    const reference = await scoreVariant({ ...common, onnxPath, latencySamples: 1 });
    const scored = await scoreVariant({ ...common, onnxPath: fp32Path });
    const agree = scored.predictions.filter((p, i) => p === reference.predictions[i]).length;
    return [
      {
        variant: "fp32",
        file: "onnx/model.onnx",
        bytes: fp32.bytes.byteLength,
        gzipBytes: gzipSync(fp32.bytes).byteLength,
        brotliBytes: brotliCompressSync(fp32.bytes).byteLength,
        parameters: fp32.summary.parameterCount,
        accuracy: scored.report.accuracy,
        macroF1: scored.report.macro.f1,
        agreement: agree / examples.length,
        p50Ms: scored.latencyMs.p50,
        p95Ms: scored.latencyMs.p95,
      },
    ];
  });

  const testLabels = readLabeledJsonl(dataset.test, options.testLimit).map((e) => e.label);
  return {
    createdAt: new Date().toISOString(),
    dataset: {
      name: "SpamAssassin public corpus",
      train: total(dataset.counts.train),
      validation: total(dataset.counts.validation),
      test: testLabels.length,
    },
    training: {
      reused: saved.reused,
      steps: saved.metrics.steps,
      trainSeconds: saved.metrics.train_seconds,
      validationAccuracy: saved.metrics.eval_accuracy,
      onnxMaxAbsDiff: saved.metrics.onnx_max_abs_diff,
      losses: saved.losses,
      validation: saved.validation,
    },
    baseline: majorityBaseline(testLabels),
    worker,
    variants,
    stageSeconds,
  };
}
