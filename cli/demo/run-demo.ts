// The main job on the embedded default, through the product's own API: SpamAssassin → fine-tune
// (the local runner) → publish to the edge API running in workerd → a compression job inside the
// Worker → every variant evaluated through the evaluation endpoint, timed through inference.
// A second run reuses what is there: the trained model, the published version, its variants.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ApiError, EdgetuneApi, type JobEvent } from "../../client/index.ts";
import { decodeModel, modelSummary } from "../../compression/index.ts";
import { loadWordNetData, majorityBaseline } from "../../evaluation/node.ts";
import { startLocalWorker } from "../../functions/local.ts";
import {
  type DoneMetrics,
  repoRoot,
  runTrainer,
  type TrainerEvent,
  writeSpamAssassinDataset,
} from "../../training-runner/index.ts";
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
  metrics: DoneMetrics;
  losses: { step: number; loss: number }[];
  validation: { step: number; loss: number; accuracy: number }[];
}

export const MODEL_NAME = "spam-classifier";
const exampleJob = join(repoRoot, "training-runner", "examples", "tiny-classifier.json");
const pruned = {
  name: "pruned50",
  output: "model_pruned50.onnx",
  description: "50 % of MatMul weights zeroed by magnitude (global): smaller to download",
  steps: [{ pass: "prune-magnitude", options: { sparsity: 0.5, scope: "global" } }],
};
export const defaultRecipes: (string | object)[] = ["fp16", "q8", "q4", pruned];
const CHECKPOINT_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"];

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

  const job = JSON.parse(readFileSync(exampleJob, "utf8")) as {
    data: Record<string, string>;
    schedule: Record<string, number>;
  };
  job.data = { train: dataset.train, validation: dataset.validation };
  job.schedule = { ...job.schedule, ...options.schedule };
  const jobHash = createHash("sha256").update(JSON.stringify(job)).digest("hex");
  const runDir = join(workDir, "run");
  const savedPath = join(runDir, "edgetune-run.json");
  const modelDir = join(runDir, "model");

  const saved = await timed("fine-tune", async (): Promise<SavedRun & { reused: boolean }> => {
    if (!options.fresh && existsSync(savedPath) && existsSync(join(modelDir, "onnx", "model.onnx"))) {
      const previous = JSON.parse(readFileSync(savedPath, "utf8")) as SavedRun;
      if (previous.jobHash === jobHash) {
        log("  reusing the model trained by an earlier run (--fresh trains again)");
        return { ...previous, validation: previous.validation ?? [], reused: true };
      }
    }
    rmSync(runDir, { recursive: true, force: true });
    const losses: SavedRun["losses"] = [];
    const validation: SavedRun["validation"] = [];
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

  const token = localToken(workDir);
  const worker = await timed("serve", () =>
    startLocalWorker({ port: 0, stateDir: join(workDir, "state"), devToken: token }),
  );
  try {
    const api = new EdgetuneApi(worker.url, token);
    const health = await api.request<{ status: string; version: string }>("GET", "/v1/health");
    log(`  edge API ${health.version} in workerd at ${worker.url} (state in ${join(workDir, "state")})`);

    // the version is named after the checkpoint, so a retrained model is a new version
    const checkpointHash = createHash("sha256");
    for (const file of CHECKPOINT_FILES) checkpointHash.update(readFileSync(join(modelDir, file)));
    const version = `run-${checkpointHash.digest("hex").slice(0, 12)}`;

    await timed("publish", async () => {
      try {
        await api.manifest(MODEL_NAME, version);
        log(`  ${MODEL_NAME}@${version} is already published`);
        return;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
      }
      for (const file of CHECKPOINT_FILES) {
        const stored = await api.uploadFile(MODEL_NAME, version, file, readFileSync(join(modelDir, file)));
        log(`  uploaded ${file} (${stored.size} bytes, sha256 ${stored.sha256.slice(0, 12)}…)`);
      }
      const published = await api.publish(MODEL_NAME, version);
      log(`  published ${MODEL_NAME}@${version} (manifest ${published.manifestSha256.slice(0, 12)}…)`);
    });

    const recipes = options.recipes ?? defaultRecipes;
    const recipeNames = recipes.map((r) => (typeof r === "string" ? r : (r as { name: string }).name));
    const jobEvents: JobEvent[] = [];
    await timed("compress", async () => {
      const have = new Set((await api.manifest(MODEL_NAME, version)).variants.map((v) => v.dtype));
      const missing = recipes.filter((_, i) => !have.has(recipeNames[i] as string));
      if (missing.length === 0) {
        log(`  variants ${recipeNames.join(", ")} are already there`);
        return;
      }
      const queued = await api.compress(MODEL_NAME, version, missing);
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
    const manifest = await api.manifest(MODEL_NAME, version);
    const variants = await timed("evaluate", async (): Promise<VariantRow[]> => {
      const rows: VariantRow[] = [];
      let fp32Predictions: string[] = [];
      const order = ["fp32", ...recipeNames];
      for (const dtype of order) {
        const variant = manifest.variants.find((v) => v.dtype === dtype);
        if (!variant) throw new Error(`${MODEL_NAME}@${version} has no ${dtype} variant`);
        const evaluation = await api.evaluateClassification(MODEL_NAME, {
          examples,
          variant: dtype,
          version,
        });
        if (dtype === "fp32") fp32Predictions = evaluation.predictions;
        const agree = evaluation.predictions.filter((p, i) => p === fp32Predictions[i]).length;
        const times: number[] = [];
        const samples = Math.min(options.latencySamples ?? 40, examples.length);
        await api.infer(MODEL_NAME, {
          text: examples[0]?.text ?? "",
          variant: dtype,
          version,
          truncation: true,
        });
        for (let i = 0; i < samples; i++) {
          const start = performance.now();
          await api.infer(MODEL_NAME, {
            text: examples[i]?.text ?? "",
            variant: dtype,
            version,
            truncation: true,
          });
          times.push(performance.now() - start);
        }
        const download = await fetch(`${worker.url}/${MODEL_NAME}/resolve/${version}/${variant.path}`, {
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
      const scored = await api.evaluateGeneration(MODEL_NAME, examplesGen);
      return {
        task: "subject lines: the first 8 words of each email's body against its real subject (lead baseline)",
        count: scored.count,
        bleu: scored.metrics.bleu?.score ?? Number.NaN,
        rougeL: scored.metrics.rouge?.rougeL?.fmeasure ?? Number.NaN,
        meteor: scored.metrics.meteor ?? Number.NaN,
      };
    });

    return {
      createdAt: new Date().toISOString(),
      model: { name: MODEL_NAME, version },
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
