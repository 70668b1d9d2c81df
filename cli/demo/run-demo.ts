// The main job on the embedded default, through the product's own API: the edge API starts in
// workerd; SpamAssassin's splits go up as files and a fine-tuning job is created (OpenAI-shaped);
// the local runner leases it, trains, and publishes the checkpoint; a compression job inside the
// Worker makes the variants; every variant is evaluated through the evaluation endpoint and timed
// through inference. A second run reuses what is there: the job's model, its version, its variants.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { EdgetuneApi, type JobEvent } from "../../client/index.ts";
import { decodeModel, modelSummary } from "../../compression/index.ts";
import { ROUGE_USE_STEMMER } from "../../evaluation/index.ts";
import { loadWordNetData, majorityBaseline } from "../../evaluation/node.ts";
import { startLocalWorker } from "../../functions/local.ts";
import {
  type DoneMetrics,
  repoRoot,
  type TrainerEvent,
  writeSpamAssassinDataset,
} from "../../training-runner/index.ts";
import { runRunner } from "../../training-runner/runner/index.ts";
import { subjectLineExamples } from "./generation-example.ts";
import { readLabeledJsonl } from "./labeled-jsonl.ts";
import type { DemoReport, VariantRow } from "./report.ts";

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
  /** Single-text requests timed per variant through the Worker (default 40). */
  latencySamples?: number;
  /** Variants the compression job makes (default fp16, q8, q4 and a 50 % magnitude-pruned one). */
  recipes?: (string | object)[];
}

interface SavedRun {
  jobHash: string;
  fineTuningJob: string;
  model: string;
  version: string;
  onnxPath: string;
  metrics: DoneMetrics;
  losses: { step: number; loss: number }[];
  validation: { step: number; loss: number; accuracy: number }[];
}

const exampleJob = join(repoRoot, "training-runner", "examples", "tiny-classifier.json");
const pruned = {
  name: "pruned50",
  output: "model_pruned50.onnx",
  description: "50 % of MatMul weights zeroed by magnitude (global): smaller to download",
  steps: [{ pass: "prune-magnitude", options: { sparsity: 0.5, scope: "global" } }],
};
export const defaultRecipes: (string | object)[] = ["fp16", "q8", "q4", pruned];

function ensurePythonEnvironment(): void {
  const result = spawnSync("bash", [join(repoRoot, "scripts", "python-env.sh")], { stdio: "inherit" });
  if (result.status !== 0)
    throw new Error("could not set up the trainer's Python environment (scripts/python-env.sh)");
}

function localToken(workDir: string): string {
  const path = join(workDir, "dev-token");
  if (!existsSync(path))
    writeFileSync(path, `et_local_${randomBytes(16).toString("hex")}\n`, { mode: 0o600 });
  return readFileSync(path, "utf8").trim();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

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

  const dataset = await timed("dataset", () => writeSpamAssassinDataset(join(workDir, "data")));
  const total = (c: { ham: number; spam: number }) => c.ham + c.spam;
  log(
    `  SpamAssassin: ${total(dataset.counts.train)} train, ${total(dataset.counts.validation)} validation, ${total(dataset.counts.test)} test emails (${dataset.dropped} duplicates dropped)`,
  );

  const example = JSON.parse(readFileSync(exampleJob, "utf8")) as {
    model: { base: string };
    task: { labels: string[] };
    tokenizer: Record<string, unknown>;
    schedule: Record<string, number>;
  };
  const { steps, batch_size, learning_rate, seed, ...schedule } = {
    ...example.schedule,
    ...options.schedule,
  };
  const trainText = readFileSync(dataset.train);
  const validationText = readFileSync(dataset.validation);
  const jobHash = createHash("sha256")
    .update(JSON.stringify({ example, schedule: options.schedule }))
    .update(trainText)
    .update(validationText)
    .digest("hex");
  const savedPath = join(workDir, "edgetune-run.json");

  const token = localToken(workDir);
  const worker = await timed("serve", () =>
    startLocalWorker({ port: 0, stateDir: join(workDir, "state"), devToken: token }),
  );
  try {
    const api = new EdgetuneApi(worker.url, token);
    const health = await api.request<{ status: string; version: string }>("GET", "/v1/health");
    log(`  edge API ${health.version} in workerd at ${worker.url} (state in ${join(workDir, "state")})`);

    const saved = await timed("fine-tune", async (): Promise<SavedRun & { reused: boolean }> => {
      if (!options.fresh && existsSync(savedPath)) {
        const previous = JSON.parse(readFileSync(savedPath, "utf8")) as SavedRun;
        const job =
          previous.jobHash === jobHash
            ? await api.fineTuningJob(previous.fineTuningJob).catch(() => null)
            : null;
        if (job?.status === "succeeded") {
          log(`  reusing fine-tuning job ${job.id}: ${job.fine_tuned_model} (--fresh trains again)`);
          return { ...previous, reused: true };
        }
      }
      const training = await api.uploadTrainingFile(trainText, "spam-train.jsonl");
      const validation = await api.uploadTrainingFile(validationText, "spam-validation.jsonl");
      log(
        `  uploaded ${training.id} (${training.lines} lines) and ${validation.id} (${validation.lines} lines)`,
      );
      const created = await api.createFineTuningJob({
        model: example.model.base,
        training_file: training.id,
        validation_file: validation.id,
        suffix: "spam",
        ...(seed === undefined ? {} : { seed }),
        hyperparameters: {
          ...(steps === undefined ? {} : { steps }),
          ...(batch_size === undefined ? {} : { batch_size }),
          ...(learning_rate === undefined ? {} : { learning_rate }),
        },
        edgetune: { task: { labels: example.task.labels }, tokenizer: example.tokenizer, schedule },
      });
      log(`  fine-tuning job ${created.id} queued; the local runner leases it`);
      const losses: SavedRun["losses"] = [];
      const validationCurve: SavedRun["validation"] = [];
      let metrics: DoneMetrics | undefined;
      let onnxPath = "";
      const [outcome] = await runRunner({
        api,
        workDir: join(workDir, "runner"),
        once: true,
        onEvent: (_job, event) => {
          if (event.type === "step") losses.push({ step: event.step, loss: event.loss });
          if (event.type === "eval")
            validationCurve.push({ step: event.step, loss: event.loss, accuracy: event.accuracy });
          if (event.type === "export") onnxPath = event.path;
          if (event.type === "done") metrics = event.metrics;
          options.onTrainerEvent?.(event);
        },
      });
      if (outcome?.status !== "succeeded" || !metrics) {
        throw new Error(
          `fine-tuning job ${created.id} ${outcome?.status ?? "was not leased"}: ${outcome?.error ?? ""}`,
        );
      }
      const job = await api.fineTuningJob(created.id);
      log(`  published ${job.fine_tuned_model}`);
      const record: SavedRun = {
        jobHash,
        fineTuningJob: created.id,
        model: job.edgetune.output.model,
        version: job.edgetune.output.version,
        onnxPath,
        metrics,
        losses,
        validation: validationCurve,
      };
      writeFileSync(savedPath, `${JSON.stringify(record, null, 2)}\n`);
      return { ...record, reused: false };
    });
    const { model: modelName, version } = saved;

    const recipes = options.recipes ?? defaultRecipes;
    const recipeNames = recipes.map((r) => (typeof r === "string" ? r : (r as { name: string }).name));
    const jobEvents: JobEvent[] = [];
    await timed("compress", async () => {
      const have = new Set((await api.manifest(modelName, version)).variants.map((v) => v.dtype));
      const missing = recipes.filter((_, i) => !have.has(recipeNames[i] as string));
      if (missing.length === 0) {
        log(`  variants ${recipeNames.join(", ")} are already there`);
        return;
      }
      const queued = await api.compress(modelName, version, missing);
      log(`  compression job ${queued.id} queued`);
      await api.waitForJob(queued.id, (event) => {
        jobEvents.push(event);
        if (event.type === "variant.done") {
          const d = event.data as { name: string; size: number; sizeRatio: number };
          log(`  ${d.name}: ${d.size} bytes (${(100 * d.sizeRatio).toFixed(1)} % of fp32)`);
        }
      });
    });

    const examples = readLabeledJsonl(dataset.test, options.testLimit);
    const manifest = await api.manifest(modelName, version);
    const variants = await timed("evaluate", async (): Promise<VariantRow[]> => {
      const rows: VariantRow[] = [];
      let fp32Predictions: string[] = [];
      const order = ["fp32", ...recipeNames];
      for (const dtype of order) {
        const variant = manifest.variants.find((v) => v.dtype === dtype);
        if (!variant) throw new Error(`${modelName}@${version} has no ${dtype} variant`);
        const evaluation = await api.evaluateClassification(modelName, {
          examples,
          variant: dtype,
          version,
        });
        if (dtype === "fp32") fp32Predictions = evaluation.predictions;
        const agree = evaluation.predictions.filter((p, i) => p === fp32Predictions[i]).length;
        const times: number[] = [];
        const samples = Math.min(options.latencySamples ?? 40, examples.length);
        await api.infer(modelName, {
          text: examples[0]?.text ?? "",
          variant: dtype,
          version,
          truncation: true,
        });
        for (let i = 0; i < samples; i++) {
          const start = performance.now();
          await api.infer(modelName, {
            text: examples[i]?.text ?? "",
            variant: dtype,
            version,
            truncation: true,
          });
          times.push(performance.now() - start);
        }
        const download = await fetch(`${worker.url}/${modelName}/resolve/${version}/${variant.path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const bytes = new Uint8Array(await download.arrayBuffer());
        const parameters = modelSummary(decodeModel(bytes)).parameterCount;
        rows.push({
          variant: dtype,
          file: variant.path,
          bytes: bytes.byteLength,
          gzipBytes: gzipSync(bytes).byteLength,
          brotliBytes: brotliCompressSync(bytes).byteLength,
          parameters,
          accuracy: evaluation.metrics.accuracy,
          macroF1: evaluation.metrics.macroF1,
          agreement: agree / examples.length,
          p50Ms: median(times),
          p95Ms: [...times].sort((a, b) => a - b)[Math.floor(0.95 * (times.length - 1))] ?? Number.NaN,
        });
        log(`  ${dtype}: accuracy ${(100 * evaluation.metrics.accuracy).toFixed(2)} %`);
      }
      return rows;
    });

    const generation = await timed("generation example", async () => {
      await api.installWordNet(JSON.stringify(loadWordNetData()));
      const examplesGen = subjectLineExamples(200);
      const scored = await api.evaluateGeneration(modelName, examplesGen);
      return {
        task: "subject lines: the first 8 words of each email's body against its real subject (lead baseline)",
        count: scored.count,
        bleu: scored.metrics.bleu?.score ?? Number.NaN,
        rougeL: scored.metrics.rouge?.rougeL?.fmeasure ?? Number.NaN,
        rougeStemmer: scored.metrics.rouge_stemmer ?? ROUGE_USE_STEMMER,
        meteor: scored.metrics.meteor ?? Number.NaN,
      };
    });

    return {
      createdAt: new Date().toISOString(),
      model: { name: modelName, version, fineTuningJob: saved.fineTuningJob, onnxPath: saved.onnxPath },
      dataset: {
        name: "SpamAssassin public corpus",
        train: total(dataset.counts.train),
        validation: total(dataset.counts.validation),
        test: examples.length,
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
      baseline: majorityBaseline(examples.map((e) => e.label)),
      worker: { url: worker.url, version: health.version },
      compressionEvents: jobEvents.map((e) => ({ type: e.type, data: e.data })),
      variants,
      generation,
      stageSeconds,
    };
  } finally {
    await worker.stop();
  }
}
