// Runs one ONNX variant over a labelled JSONL split with onnxruntime-node: predictions, metrics, latency.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { createTextClassifier } from "../../client/index.ts";
import { type ClassificationReport, classificationReport } from "../../evaluation/index.ts";

export interface LabeledExample {
  text: string;
  label: string;
}

export interface VariantScore {
  report: ClassificationReport;
  predictions: string[];
  /** Median and 95th percentile of one single-text classification, after warm-up. */
  latencyMs: { p50: number; p95: number; samples: number };
}

export function readLabeledJsonl(path: string, limit = Number.POSITIVE_INFINITY): LabeledExample[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, limit)
    .map((line) => JSON.parse(line) as LabeledExample);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export async function scoreVariant(options: {
  onnxPath: string;
  /** The checkpoint folder: tokenizer.json, tokenizer_config.json, config.json (id2label). */
  modelDir: string;
  examples: readonly LabeledExample[];
  maxLength: number;
  latencySamples?: number;
}): Promise<VariantScore> {
  const json = (name: string) =>
    JSON.parse(readFileSync(join(options.modelDir, name), "utf8")) as Record<string, unknown>;
  const config = json("config.json") as { id2label: Record<string, string> };
  const labels = Object.keys(config.id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => config.id2label[k] as string);
  const session = await ort.InferenceSession.create(options.onnxPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  try {
    const classifier = createTextClassifier({
      ort,
      session,
      tokenizerJson: json("tokenizer.json"),
      tokenizerConfig: json("tokenizer_config.json"),
      labels,
      maxLength: options.maxLength,
    });
    const predictions: string[] = [];
    const batch = 32;
    for (let i = 0; i < options.examples.length; i += batch) {
      const texts = options.examples.slice(i, i + batch).map((e) => e.text);
      for (const p of await classifier.classify(texts)) predictions.push(p.label);
    }
    const samples = Math.min(options.latencySamples ?? 100, options.examples.length);
    await classifier.classify([options.examples[0]?.text ?? ""]);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await classifier.classify([(options.examples[i] as LabeledExample).text]);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return {
      report: classificationReport(
        options.examples.map((e) => e.label),
        predictions,
        labels,
      ),
      predictions,
      latencyMs: { p50: percentile(times, 0.5), p95: percentile(times, 0.95), samples },
    };
  } finally {
    await session.release();
  }
}
