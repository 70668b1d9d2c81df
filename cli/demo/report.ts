// The demo's result: one row per variant, the training run, the stage timings; as a terminal table,
// as Markdown and as JSON. Files are written to a temporary name and renamed, so a reader never sees
// half a report.
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generationScores } from "./generation-scores.ts";
import { htmlReport } from "./html-report.ts";

export interface VariantRow {
  variant: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  brotliBytes: number;
  parameters: number;
  accuracy: number;
  macroF1: number;
  /** Share of test examples on which this variant's label equals the trainer's own fp32 export's. */
  agreement: number;
  p50Ms: number;
  p95Ms: number;
}

export interface GenerationExample {
  task: string;
  count: number;
  bleu: number;
  rougeL: number;
  /** Whether rougeL stemmed words (Porter), as the evaluation endpoint answered. */
  rougeStemmer: boolean;
  meteor: number;
}

export interface DemoReport {
  createdAt: string;
  model: { name: string; version: string; fineTuningJob: string; onnxPath: string };
  dataset: { name: string; train: number; validation: number; test: number };
  training: {
    reused: boolean;
    steps: number;
    trainSeconds: number;
    validationAccuracy: number;
    onnxMaxAbsDiff: number;
    losses: { step: number; loss: number }[];
    validation: { step: number; loss: number; accuracy: number }[];
  };
  baseline: { label: string; accuracy: number };
  worker: { url: string; version: string };
  /** The compression job's events, as the API reported them (empty when the variants were reused). */
  compressionEvents: { type: string; data: Record<string, unknown> }[];
  variants: VariantRow[];
  generation: GenerationExample;
  stageSeconds: Record<string, number>;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export function tableRows(report: DemoReport): string[][] {
  const header = ["variant", "size", "gzip", "brotli", "params", "accuracy", "macro-F1", "agree", "p50 ms"];
  return [
    header,
    ...report.variants.map((v) => [
      v.variant,
      kib(v.bytes),
      kib(v.gzipBytes),
      kib(v.brotliBytes),
      v.parameters.toLocaleString("en"),
      pct(v.accuracy),
      pct(v.macroF1),
      pct(v.agreement),
      v.p50Ms.toFixed(2),
    ]),
  ];
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ");
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export function markdownReport(report: DemoReport): string {
  const [head, ...body] = tableRows(report);
  const row = (r: string[]) => `| ${r.join(" | ")} |`;
  const t = report.training;
  return [
    "# edgetune demo report",
    "",
    `Created ${report.createdAt}. Dataset: ${report.dataset.name} (${report.dataset.train} train, ${report.dataset.validation} validation, ${report.dataset.test} test).`,
    "",
    "## Variants on the held-out test split",
    "",
    row(head ?? []),
    row((head ?? []).map(() => "---")),
    ...body.map(row),
    "",
    `Majority-class baseline: ${pct(report.baseline.accuracy)} (always "${report.baseline.label}").`,
    "",
    "## Training",
    "",
    `${t.steps} steps in ${t.trainSeconds.toFixed(1)} s${t.reused ? " (reused from an earlier run)" : ""}; validation accuracy ${pct(t.validationAccuracy)}; ONNX export within ${t.onnxMaxAbsDiff.toExponential(1)} of PyTorch.`,
    "",
    "| step | training loss |",
    "| --- | --- |",
    ...t.losses.map((l) => `| ${l.step} | ${l.loss.toFixed(4)} |`),
    "",
    "## Generation example",
    "",
    `${report.generation.task}, ${report.generation.count} emails, scored by the evaluation endpoint: ${generationScores(report.generation)}.`,
    "",
    "## Serving",
    "",
    `${report.model.name}@${report.model.version} served by edge API ${report.worker.version} at ${report.worker.url} (workerd via Miniflare); every figure above came through its endpoints.`,
    "",
    "## Stage timings",
    "",
    "| stage | seconds |",
    "| --- | --- |",
    ...Object.entries(report.stageSeconds).map(([s, sec]) => `| ${s} | ${sec.toFixed(1)} |`),
    "",
  ].join("\n");
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

export function writeReport(
  dir: string,
  report: DemoReport,
): { markdown: string; json: string; html: string } {
  const markdown = join(dir, "report.md");
  const json = join(dir, "report.json");
  const html = join(dir, "report.html");
  writeAtomically(json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(markdown, markdownReport(report));
  writeAtomically(html, htmlReport(report));
  return { markdown, json, html };
}
