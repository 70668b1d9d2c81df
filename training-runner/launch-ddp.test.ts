import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTrainer, type TrainerError } from "./launch.ts";

/** Learnable: "spam" exactly when the text holds a keyword. */
function keywordDataset(path: string, count: number): string {
  const filler = "the a meeting report team project update schedule notes review code server".split(" ");
  const rows = Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 6 + (i % 7) }, (_, j) => filler[(i * 7 + j * 3) % filler.length]);
    if (i % 2 === 0) words.splice(i % words.length, 0, ["prize", "winner", "free", "cash"][i % 4] as string);
    return JSON.stringify({ text: words.join(" "), label: i % 2 === 0 ? "spam" : "ham" });
  });
  writeFileSync(path, `${rows.join("\n")}\n`);
  return path;
}

describe("runTrainer with nproc", () => {
  it("trains data-parallel under torchrun: one event stream from rank 0, a verified export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "runner-ddp-"));
    const run = await runTrainer({
      job: {
        model: { base: "tiny-bert" },
        task: { labels: ["ham", "spam"] },
        data: { train: keywordDataset(join(dir, "train.jsonl"), 80), validation_fraction: 0.2 },
        tokenizer: { vocab_size: 100, min_frequency: 1 },
        schedule: {
          steps: 6,
          batch_size: 8,
          warmup_steps: 1,
          max_seq_length: 32,
          eval_interval: 6,
          log_interval: 2,
        },
        device: "cpu",
      },
      outDir: join(dir, "out"),
      nproc: 2,
      threads: 2,
    });
    const types = run.events.map((e) => e.type);
    expect(types.filter((t) => t === "start")).toHaveLength(1);
    expect(run.events[0]).toMatchObject({ type: "start", processes: 2 });
    expect(types.filter((t) => t === "step")).toHaveLength(3);
    expect(types.slice(-3)).toEqual(["checkpoint", "export", "done"]);
    expect(run.metrics.onnx_max_abs_diff).toBeLessThanOrEqual(1e-4);
  }, 180_000);

  it("reports the trainer's own message and exit code through torchrun's failure report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "runner-ddp-"));
    const train = join(dir, "train.jsonl");
    writeFileSync(train, '{"text": "fine", "label": "ham"}\n{"text": "odd", "label": "eggs"}\n');
    const job = {
      model: { base: "tiny-bert" },
      task: { labels: ["ham", "spam"] },
      data: { train },
      device: "cpu",
    };
    const failed = runTrainer({ job, outDir: join(dir, "out"), nproc: 2, threads: 2 });
    await expect(failed).rejects.toThrow(
      "trainer exited with code 2: trainer: train.jsonl line 2: \"label\" \"eggs\" is not one of the task labels ['ham', 'spam']",
    );
    await failed.catch((error: TrainerError) => expect(error.exitCode).toBe(2));
  }, 120_000);

  it("refuses a process count below 1 before starting anything", async () => {
    const dir = mkdtempSync(join(tmpdir(), "runner-ddp-"));
    const job = { model: { base: "tiny-bert" }, task: { labels: ["a", "b"] }, data: { train: "x.jsonl" } };
    await expect(runTrainer({ job, outDir: join(dir, "out"), nproc: 0 })).rejects.toThrow(/>=1/);
  });
});
