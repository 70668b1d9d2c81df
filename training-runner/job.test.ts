import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jobJsonSchema, parseJob } from "./job.ts";
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
    });
    expect(job.tokenizer).toEqual({ type: "wordpiece", vocab_size: 8000, min_frequency: 2, lowercase: true });
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

  it("the committed trainer/job.schema.json is the one generated from zod", () => {
    const committed = JSON.parse(
      readFileSync(join(repoRoot, "training-runner/trainer/job.schema.json"), "utf8"),
    );
    expect(committed).toEqual(jobJsonSchema());
  });
});
