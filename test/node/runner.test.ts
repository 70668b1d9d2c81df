// The runner against the real edge API in workerd: a JSONL file is uploaded, a fine-tuning job is
// created, the runner leases it, trains it with the Python trainer, streams its events, publishes the
// checkpoint as a model version and completes the job; the published ONNX is the trainer's, and the
// model answers inference through the Worker.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgetuneApi } from "../../client/api-client.ts";
import { type LocalWorker, startLocalWorker } from "../../functions/local.ts";
import type { TrainerEvent } from "../../training-runner/events.ts";
import { runRunner } from "../../training-runner/runner/index.ts";

const TOKEN = "et_runner_test_token_4d2a";
const dir = mkdtempSync(join(tmpdir(), "edgetune-runner-"));
let worker: LocalWorker;
let api: EdgetuneApi;

beforeAll(async () => {
  worker = await startLocalWorker({ port: 0, stateDir: join(dir, "state"), devToken: TOKEN });
  api = new EdgetuneApi(worker.url, TOKEN);
});
afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A small learnable spam/ham set: each class draws its words from its own vocabulary (seeded). */
function syntheticJsonl(count: number, seed: number): string {
  const spam = ["free", "prize", "winner", "cash", "offer", "click", "viagra", "casino", "credit", "urgent"];
  const ham = [
    "meeting",
    "lunch",
    "report",
    "project",
    "agenda",
    "family",
    "weekend",
    "review",
    "notes",
    "draft",
  ];
  const common = ["the", "a", "your", "today", "please", "now", "for", "and"];
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = (words: string[]) => words[Math.floor(rand() * words.length)] as string;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2 === 0 ? "spam" : "ham";
    const own = label === "spam" ? spam : ham;
    const words = Array.from({ length: 8 }, (_, j) => (j % 2 === 0 ? pick(own) : pick(common)));
    lines.push(JSON.stringify({ text: words.join(" "), label }));
  }
  return `${lines.join("\n")}\n`;
}

describe("edgetune runner", () => {
  it("leases a job, trains, streams events, publishes the checkpoint and completes", async () => {
    const training = await api.uploadTrainingFile(syntheticJsonl(300, 1), "train.jsonl");
    const validation = await api.uploadTrainingFile(syntheticJsonl(60, 2), "validation.jsonl");
    expect(training.lines).toBe(300);
    const created = await api.createFineTuningJob({
      model: "tiny-bert",
      training_file: training.id,
      validation_file: validation.id,
      suffix: "runner-test",
      hyperparameters: { steps: 30, batch_size: 16, learning_rate: 0.003 },
      edgetune: {
        task: { labels: ["ham", "spam"] },
        tokenizer: { vocab_size: 1000, min_frequency: 1 },
        schedule: { max_seq_length: 64, warmup_steps: 3, eval_interval: 30, log_interval: 5 },
      },
    });
    expect(created.status).toBe("queued");

    const seen: TrainerEvent[] = [];
    const outcomes = await runRunner({
      api: worker.url,
      token: TOKEN,
      workDir: join(dir, "work"),
      once: true,
      flushMs: 200,
      onEvent: (_job, event) => seen.push(event),
    });
    expect(outcomes).toEqual([
      {
        id: created.id,
        status: "succeeded",
        fineTunedModel: `tiny-bert-runner-test@${created.edgetune.output.version}`,
      },
    ]);

    const job = await api.fineTuningJob(created.id);
    expect(job.status).toBe("succeeded");
    const { model, version } = job.edgetune.output;
    expect(job.fine_tuned_model).toBe(`${model}@${version}`);
    expect(job.edgetune.metrics?.steps).toBe(30);

    // every trainer event reached the API, in order
    const events = await api.fineTuningEvents(created.id);
    const steps = events.filter((e) => e.data.event === "step").map((e) => e.data.step);
    expect(steps).toEqual(seen.filter((e) => e.type === "step").map((e) => (e as { step: number }).step));
    expect(steps.at(-1)).toBe(30);
    expect(events.some((e) => e.data.event === "eval" && e.type === "metrics")).toBe(true);
    expect(events.at(-1)?.message).toBe(`Fine-tuning job succeeded: ${model}@${version}`);

    // the published ONNX is the trainer's file
    const exported = seen.find((e) => e.type === "export");
    if (exported?.type !== "export") throw new Error("the trainer reported no export");
    const manifest = await api.manifest(model, version);
    const onnx = manifest.files.find((f) => f.path === "onnx/model.onnx");
    const sha256 = createHash("sha256").update(readFileSync(exported.path)).digest("hex");
    expect(onnx?.sha256).toBe(sha256);
    expect(manifest.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(["config.json", "tokenizer.json", "tokenizer_config.json"]),
    );

    const checkpoints = await api.request<{
      data: { fine_tuned_model_checkpoint: string; step_number: number }[];
    }>("GET", `/v1/fine_tuning/jobs/${created.id}/checkpoints`);
    expect(checkpoints.data).toMatchObject([
      { fine_tuned_model_checkpoint: `${model}@${version}`, step_number: 30 },
    ]);

    // the fine-tuned model answers through the Worker
    const answer = await api.infer(model, {
      texts: ["free cash prize click now", "project meeting notes"],
      version,
    });
    expect(answer.predictions).toHaveLength(2);
    for (const p of answer.predictions) expect(["ham", "spam"]).toContain(p.label);

    // nothing else is queued: another pass of the runner takes nothing
    expect(await runRunner({ api, workDir: join(dir, "work"), once: true })).toEqual([]);
  });

  it("reports a job the trainer cannot run as failed, with the trainer's error", async () => {
    // a label the task does not list: the trainer refuses the dataset
    const training = await api.uploadTrainingFile(
      `${JSON.stringify({ text: "hello there", label: "other" })}\n${JSON.stringify({ text: "hi", label: "ham" })}\n`,
    );
    const created = await api.createFineTuningJob({
      model: "tiny-bert",
      training_file: training.id,
      hyperparameters: { steps: 2, batch_size: 2 },
      edgetune: { task: { labels: ["ham", "spam"] }, tokenizer: { vocab_size: 100, min_frequency: 1 } },
    });
    const [outcome] = await runRunner({ api, workDir: join(dir, "work"), once: true });
    expect(outcome).toMatchObject({ id: created.id, status: "failed" });
    const job = await api.fineTuningJob(created.id);
    expect(job.status).toBe("failed");
    expect(job.error?.message).toBe(outcome?.error);
    expect(job.error?.message).toMatch(/other/);
  });
  it("stops the trainer when the job is cancelled (the heartbeat answers 409)", async () => {
    const training = await api.uploadTrainingFile(syntheticJsonl(200, 3));
    const created = await api.createFineTuningJob({
      model: "tiny-bert",
      training_file: training.id,
      hyperparameters: { steps: 100_000, batch_size: 16 },
      edgetune: {
        task: { labels: ["ham", "spam"] },
        tokenizer: { vocab_size: 200, min_frequency: 1 },
        schedule: { max_seq_length: 32, log_interval: 1 },
      },
    });
    let cancelled: Promise<unknown> | undefined;
    const [outcome] = await runRunner({
      api,
      workDir: join(dir, "work"),
      once: true,
      ttlSeconds: 5,
      onEvent: (_job, event) => {
        if (event.type === "step") cancelled ??= api.cancelFineTuningJob(created.id);
      },
    });
    await cancelled;
    expect(outcome).toEqual({ id: created.id, status: "cancelled" });
    const job = await api.fineTuningJob(created.id);
    expect(job.status).toBe("cancelled");
    expect(job.fine_tuned_model).toBeNull();
  });
});
