// The main job, scaled down: every link of the chain runs for real and is checked.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatTable, tableRows, writeReport } from "../../cli/demo/report.ts";
import { runDemo } from "../../cli/demo/run-demo.ts";

const workDir = mkdtempSync(join(tmpdir(), "edgetune-demo-"));
const small = {
  workDir,
  schedule: { steps: 40, eval_interval: 40, log_interval: 10, warmup_steps: 5, max_seq_length: 64 },
  testLimit: 200,
  latencySamples: 5,
};

describe("the demo, scaled down", () => {
  it("trains, round-trips the ONNX export, serves, evaluates and reports", { timeout: 600_000 }, async () => {
    const report = await runDemo(small);

    // training ran and learned something
    expect(report.training.reused).toBe(false);
    expect(report.training.steps).toBe(40);
    const losses = report.training.losses.map((l) => l.loss);
    expect(losses.length).toBeGreaterThanOrEqual(3);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
    expect(report.training.onnxMaxAbsDiff).toBeLessThanOrEqual(1e-4);

    // the variant edgetune re-encoded behaves exactly as the trainer's export
    const [fp32] = report.variants;
    expect(fp32?.variant).toBe("fp32");
    expect(fp32?.agreement).toBe(1);
    expect(fp32?.parameters).toBeGreaterThan(100_000);
    expect(fp32?.gzipBytes).toBeLessThan(fp32?.bytes ?? 0);
    expect(fp32?.accuracy).toBeGreaterThan(0);
    expect(fp32?.accuracy).toBeLessThanOrEqual(1);
    expect(existsSync(join(workDir, "artifacts", "onnx", "model.onnx"))).toBe(true);

    // the Worker answered its health check from workerd
    expect(report.worker.version).toBe("0.1.0");
    expect(report.worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.dataset.test).toBe(200);
    expect(report.baseline.accuracy).toBeGreaterThan(0.5);

    // the written report carries the same figures as the returned one
    const paths = writeReport(workDir, report);
    expect(JSON.parse(readFileSync(paths.json, "utf8"))).toEqual(report);
    const markdown = readFileSync(paths.markdown, "utf8");
    const row = tableRows(report)[1] as string[];
    expect(markdown).toContain(`| ${row.join(" | ")} |`);
    expect(formatTable(tableRows(report))).toContain(row[5] as string);
    // the HTML page plots the training and validation loss curves and each variant's size/accuracy point
    const html = readFileSync(paths.html, "utf8");
    expect(html).toContain("Loss over training");
    expect(report.training.validation.length).toBeGreaterThanOrEqual(1);
    expect((html.match(/<path d="M/g) ?? []).length).toBe(report.training.validation.length > 1 ? 2 : 1);
    expect((html.match(/<circle /g) ?? []).length).toBe(
      report.training.losses.length + report.training.validation.length + report.variants.length,
    );
  });

  it("a second run reuses the trained model", { timeout: 300_000 }, async () => {
    const first = JSON.parse(readFileSync(join(workDir, "report.json"), "utf8"));
    const again = await runDemo(small);
    expect(again.training.reused).toBe(true);
    expect(again.training.losses).toEqual(first.training.losses);
    expect(again.variants[0]?.accuracy).toBe(first.variants[0].accuracy);
  });
});
