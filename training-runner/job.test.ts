import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jobJsonSchema, parseJob, resolveJobPaths } from "./job.ts";
import { repoRoot } from "./python-env.ts";

const minimal = {
  model: { base: "tiny-bert" },
  task: { labels: ["ham", "spam"] },
  data: { train: "train.jsonl" },
};

describe("job schema", () => {
  it("fills in every default", () => {
    const job = parseJob(minimal);
    expect(job.schedule).toEqual({
      steps: 500,
      batch_size: 32,
      learning_rate: 0.001,
      warmup_steps: 50,
      weight_decay: 0.01,
      grad_clip: 1,
      seed: 0,
      max_seq_length: 128,
      eval_interval: 100,
      log_interval: 10,
      optimizer: "adamw",
      momentum: 0.9,
      lr_schedule: "linear",
      grad_accumulation_steps: 1,
      checkpoint_interval: 0,
    });
    expect(job.techniques).toEqual([]);
    expect(job.resume_from).toBeUndefined();
    expect(job.tokenizer).toEqual({ vocab_size: 8000, min_frequency: 2, lowercase: true }); // type: the model's own
    expect(job.task.type).toBe("sequence-classification");
    expect(job.data.validation_fraction).toBe(0.1);
    expect(job.device).toBe("auto");
  });

  it("names every bad field", () => {
    const bad = {
      ...minimal,
      task: { labels: ["ham", "ham"] },
      schedule: { steps: 10, warmup_steps: 20, lr: 1 },
      model: { base: "gpt-9" },
    };
    expect(() => parseJob(bad)).toThrow(/model\.base: Invalid option/);
    expect(() => parseJob(bad)).toThrow(/task\.labels: labels must be unique/);
    expect(() => parseJob(bad)).toThrow(/schedule: Unrecognized key: "lr"/);
    expect(() => parseJob({ ...minimal, schedule: { steps: 10, warmup_steps: 20 } })).toThrow(
      "invalid job: schedule.warmup_steps: warmup_steps must not exceed steps",
    );
  });

  it("fills in each technique's defaults, in the job's order", () => {
    const job = parseJob({ ...minimal, techniques: [{ name: "early-stopping" }, { name: "lora", r: 4 }] });
    expect(job.techniques).toEqual([
      { name: "early-stopping", patience: 3, threshold: 0, metric: "eval_loss" },
      { name: "lora", r: 4, alpha: 16, dropout: 0, target_modules: ["query", "value"] },
    ]);
  });

  it("names a bad technique, option or duplicate", () => {
    const withTechniques = (techniques: unknown[]) => () => parseJob({ ...minimal, techniques });
    expect(withTechniques([{ name: "dropconnect" }])).toThrow(
      "invalid job: techniques.0.name: Invalid discriminator value. Expected 'lora' | 'freeze' | 'early-stopping' | 'weighted-loss' | 'dropout' | 'swa' | 'curriculum'",
    );
    expect(withTechniques([{ name: "lora", r: 0 }])).toThrow(/techniques\.0\.r: Too small/);
    expect(withTechniques([{ name: "lora", rank: 4 }])).toThrow(/techniques\.0: Unrecognized key: "rank"/);
    expect(withTechniques([{ name: "freeze" }])).toThrow(
      "invalid job: techniques.0: give layers or patterns (nothing would be frozen)",
    );
    expect(withTechniques([{ name: "lora" }, { name: "lora" }])).toThrow(
      "invalid job: techniques.1: lora is listed twice",
    );
    expect(() => parseJob({ ...minimal, schedule: { optimizer: "lion" } })).toThrow(/schedule\.optimizer/);
    expect(() => parseJob({ ...minimal, schedule: { batch_size: 4, grad_accumulation_steps: 8 } })).toThrow(
      "invalid job: schedule.grad_accumulation_steps: grad_accumulation_steps must not exceed batch_size",
    );
  });

  it("fills in each task's defaults", () => {
    const task = (base: string, task: Record<string, unknown>) =>
      parseJob({ ...minimal, model: { base }, task }).task;
    expect(task("tiny-gpt2", { type: "causal-lm" })).toEqual({
      type: "causal-lm",
      input: "prompt-completion",
    });
    expect(task("tiny-gpt2", { type: "causal-lm", input: "text" })).toEqual({
      type: "causal-lm",
      input: "text",
    });
    expect(task("tiny-bert", { type: "masked-lm" })).toEqual({ type: "masked-lm", mask_probability: 0.15 });
    expect(task("mini-bert", { type: "embedding" })).toEqual({ type: "embedding", temperature: 0.05 });
    const heads = [
      { name: "spam", labels: ["ham", "spam"] },
      { name: "topic", labels: ["work", "private"], weight: 0.5 },
    ];
    expect(task("tiny-bert", { type: "multi-task", heads })).toEqual({
      type: "multi-task",
      heads: [{ ...heads[0], weight: 1 }, heads[1]],
    });
  });

  it("names an unknown task, a bad task field, and a model that does not fit the task", () => {
    const job = (base: string, task: Record<string, unknown>) => () =>
      parseJob({ ...minimal, model: { base }, task });
    expect(job("tiny-bert", { type: "seq2seq" })).toThrow(
      /^invalid job: task\.type: Invalid discriminator value/,
    );
    expect(job("tiny-gpt2", { type: "causal-lm", labels: ["a", "b"] })).toThrow(
      'invalid job: task: Unrecognized key: "labels"',
    );
    expect(job("tiny-bert", { type: "embedding", temperature: 0 })).toThrow(/task\.temperature: Too small/);
    expect(job("tiny-bert", { type: "causal-lm" })).toThrow(
      "invalid job: model.base: causal-lm trains a GPT-2 model (tiny-gpt2, mini-gpt2); every other task a BERT model",
    );
    expect(job("tiny-gpt2", { labels: ["a", "b"] })).toThrow(/model\.base: causal-lm trains a GPT-2 model/);
    const head = { name: "a", labels: ["x", "y"] };
    expect(job("tiny-bert", { type: "multi-task", heads: [head, head] })).toThrow(
      "invalid job: task.heads: head names must be unique",
    );
    expect(job("tiny-bert", { type: "multi-task", heads: [head] })).toThrow(/task\.heads: Too small/);
  });

  it("resolves resume_from like the dataset paths", () => {
    const job = resolveJobPaths(
      parseJob({ ...minimal, resume_from: "out/checkpoints/step-000010" }),
      "/jobs",
    );
    expect(job.resume_from).toBe("/jobs/out/checkpoints/step-000010");
    expect(job.data.train).toBe("/jobs/train.jsonl");
  });

  it("the committed trainer/job.schema.json is the one generated from zod", () => {
    const committed = JSON.parse(
      readFileSync(join(repoRoot, "training-runner/trainer/job.schema.json"), "utf8"),
    );
    expect(committed).toEqual(jobJsonSchema());
  });
});
