// The main job, scaled down: every link of the chain runs for real and is checked — the trainer,
// the edge API in workerd (publish, a compression job in its Queue consumer, inference, evaluation),
// and the report's figures against what the API says.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tableRows, writeReport } from "../../cli/demo/report.ts";
import { runDemo } from "../../cli/demo/run-demo.ts";
import { EdgetuneApi } from "../../client/index.ts";
import { startLocalWorker } from "../../functions/local.ts";

const workDir = mkdtempSync(join(tmpdir(), "edgetune-demo-"));
const small = {
  workDir,
  schedule: { steps: 40, eval_interval: 40, log_interval: 10, warmup_steps: 5, max_seq_length: 64 },
  testLimit: 120,
  latencySamples: 3,
};

describe("the demo, scaled down", () => {
  it("trains, publishes, compresses, serves, evaluates and reports", { timeout: 900_000 }, async () => {
    const report = await runDemo(small);

    // training ran and learned something
    expect(report.training.reused).toBe(false);
    expect(report.training.steps).toBe(40);
    const losses = report.training.losses.map((l) => l.loss);
    expect(losses.length).toBeGreaterThanOrEqual(3);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
    expect(report.training.onnxMaxAbsDiff).toBeLessThanOrEqual(1e-4);

    // the compression job made every variant, each answering through the Worker
    expect(report.variants.map((v) => v.variant)).toEqual(["fp32", "fp16", "q8", "q4", "pruned50"]);
    expect(report.compressionEvents.filter((e) => e.type === "variant.done")).toHaveLength(4);
    const row = Object.fromEntries(report.variants.map((v) => [v.variant, v]));
    expect(row.fp32?.agreement).toBe(1);
    expect(row.fp16?.bytes).toBeLessThan((row.fp32?.bytes ?? 0) * 0.6);
    expect(row.q8?.bytes).toBeLessThan((row.fp32?.bytes ?? 0) * 0.35);
    expect(row.q4?.bytes).toBeLessThan((row.fp32?.bytes ?? 0) * 0.25);
    expect(row.pruned50?.gzipBytes).toBeLessThan(row.fp32?.gzipBytes ?? 0);
    for (const v of report.variants) {
      expect(v.accuracy).toBeGreaterThan(0);
      expect(v.accuracy).toBeLessThanOrEqual(1);
      expect(v.p50Ms).toBeGreaterThan(0);
    }
    expect(row.fp16?.agreement).toBeGreaterThanOrEqual(0.95);
    expect(report.baseline.accuracy).toBeGreaterThan(0.5);
    expect(report.dataset.test).toBe(120);

    // the generation example was scored by the evaluation endpoint, in the metrics' ranges
    expect(report.generation.count).toBe(200);
    expect(report.generation.bleu).toBeGreaterThanOrEqual(0);
    expect(report.generation.bleu).toBeLessThanOrEqual(100);
    expect(report.generation.meteor).toBeGreaterThan(0);
    expect(report.generation.meteor).toBeLessThan(1);
    expect(report.generation.rougeStemmer).toBe(true); // the endpoint's default, as it answered

    // the written report carries the same figures as the returned one
    const paths = writeReport(workDir, report);
    expect(JSON.parse(readFileSync(paths.json, "utf8"))).toEqual(report);
    const markdown = readFileSync(paths.markdown, "utf8");
    expect(markdown).toContain(`ROUGE-L F (Porter stemmer) ${report.generation.rougeL.toFixed(4)}`);
    for (const cells of tableRows(report).slice(1)) expect(markdown).toContain(`| ${cells.join(" | ")} |`);
    const html = readFileSync(paths.html, "utf8");
    expect(html).toContain("Loss over training");
    expect((html.match(/<circle /g) ?? []).length).toBe(
      report.training.losses.length + report.training.validation.length + report.variants.length,
    );
  });

  it("the published artifacts match the checkpoint, and the API's figures equal the report's", {
    timeout: 300_000,
  }, async () => {
    const report = JSON.parse(readFileSync(join(workDir, "report.json"), "utf8"));
    const token = readFileSync(join(workDir, "dev-token"), "utf8").trim();
    const worker = await startLocalWorker({ port: 0, stateDir: join(workDir, "state"), devToken: token });
    try {
      const api = new EdgetuneApi(worker.url, token);
      const job = await api.fineTuningJob(report.model.fineTuningJob);
      expect(job.status).toBe("succeeded");
      expect(job.fine_tuned_model).toBe(`${report.model.name}@${report.model.version}`);
      const manifest = await api.manifest(report.model.name, report.model.version);
      const onnx = readFileSync(report.model.onnxPath);
      const fp32 = manifest.files.find((f) => f.path === "onnx/model.onnx");
      expect(fp32?.sha256).toBe(createHash("sha256").update(onnx).digest("hex"));
      const examples = readFileSync(join(workDir, "data", "test.jsonl"), "utf8")
        .trim()
        .split("\n")
        .slice(0, 120)
        .map((l) => JSON.parse(l));
      const q8 = await api.evaluateClassification(report.model.name, {
        examples,
        variant: "q8",
        version: report.model.version,
      });
      expect(q8.metrics.accuracy).toBe(
        report.variants.find((v: { variant: string }) => v.variant === "q8").accuracy,
      );
    } finally {
      await worker.stop();
    }
  });

  it("a second run reuses the trained model, the version and its variants", {
    timeout: 300_000,
  }, async () => {
    const first = JSON.parse(readFileSync(join(workDir, "report.json"), "utf8"));
    const again = await runDemo(small);
    expect(again.training.reused).toBe(true);
    expect(again.model.version).toBe(first.model.version);
    expect(again.compressionEvents).toEqual([]);
    expect(again.variants.map((v) => v.accuracy)).toEqual(
      first.variants.map((v: { accuracy: number }) => v.accuracy),
    );
  });
});
