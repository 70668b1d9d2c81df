import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TrainerEvent } from "./events.ts";
import type { JobInput } from "./job.ts";
import { runTrainer, TrainerError } from "./launch.ts";

const filler =
  "the a meeting report team project update schedule notes review code server build lunch friday".split(" ");
const keywords = ["prize", "winner", "free", "cash"];

/** A learnable task: "spam" exactly when the text holds a keyword. */
function keywordDataset(path: string, count: number): string {
  let state = 1;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
  const rows = Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 6 + Math.floor(random() * 8) }, () => pick(filler));
    if (i % 2 === 0) words.splice(Math.floor(random() * words.length), 0, pick(keywords));
    return JSON.stringify({ text: words.join(" "), label: i % 2 === 0 ? "spam" : "ham" });
  });
  writeFileSync(path, `${rows.join("\n")}\n`);
  return path;
}

function tinyJob(train: string, steps = 80): JobInput {
  return {
    model: { base: "tiny-bert" },
    task: { labels: ["ham", "spam"] },
    data: { train, validation_fraction: 0.2 },
    tokenizer: { vocab_size: 200, min_frequency: 1 },
    schedule: {
      steps,
      batch_size: 16,
      learning_rate: 0.003,
      warmup_steps: 8,
      max_seq_length: 32,
      eval_interval: 20,
      log_interval: 5,
    },
    device: "cpu",
  };
}

const scratch = () => mkdtempSync(join(tmpdir(), "runner-"));

/** Processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("runTrainer", () => {
  it("runs a real tiny training: events in order, the loss falls, the files exist", async () => {
    const dir = scratch();
    const seen: TrainerEvent[] = [];
    const run = await runTrainer({
      job: tinyJob(keywordDataset(join(dir, "train.jsonl"), 400)),
      outDir: join(dir, "out"),
      onEvent: (event) => seen.push(event),
      threads: 1, // the cores are shared with other suites: two spin-waiting threads on a busy core crawl
    });
    expect(seen).toEqual(run.events);
    const types = seen.map((e) => e.type);
    expect(types[0]).toBe("start");
    expect(types.slice(-3)).toEqual(["checkpoint", "export", "done"]);
    const steps = seen.flatMap((e) => (e.type === "step" ? [e] : []));
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 16 }, (_, i) => 5 * (i + 1)));
    expect((steps.at(-1)?.loss ?? 1) < (steps[0]?.loss ?? 0)).toBe(true);
    expect(run.metrics.eval_accuracy).toBeGreaterThan(run.metrics.majority_baseline);
    expect(run.modelDir).toBe(join(dir, "out", "model"));
    expect(run.onnxPath).toBe(join(dir, "out", "model", "onnx", "model.onnx"));
    for (const file of ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"]) {
      expect(existsSync(join(run.modelDir, file))).toBe(true);
    }
    expect(existsSync(run.onnxPath)).toBe(true);
    expect(run.metrics.onnx_max_abs_diff).toBeLessThanOrEqual(1e-4);
    expect(JSON.parse(readFileSync(run.jobPath, "utf8")).schedule.steps).toBe(80);
  });

  it("runs a causal-LM job: GPT-2 layout, perplexity, and the greedy completions in samples.jsonl", async () => {
    const dir = scratch();
    const train = join(dir, "train.jsonl");
    const rows = Array.from({ length: 120 }, (_, i) => {
      const spam = i % 2 === 0;
      const body = `${filler.slice(i % 7, (i % 7) + 5).join(" ")}${spam ? ` ${keywords[i % 4]}` : ""}`;
      return JSON.stringify({
        prompt: `${body}\nSubject:`,
        completion: spam ? " free offer" : " team update",
      });
    });
    writeFileSync(train, `${rows.join("\n")}\n`);
    const run = await runTrainer({
      job: {
        model: { base: "tiny-gpt2" },
        task: { type: "causal-lm" },
        data: { train, validation_fraction: 0.1 },
        tokenizer: { vocab_size: 300, min_frequency: 1 },
        schedule: { steps: 30, batch_size: 16, learning_rate: 0.005, warmup_steps: 3, max_seq_length: 32 },
        device: "cpu",
      },
      outDir: join(dir, "out"),
      threads: 1,
    });
    expect(run.metrics.eval_perplexity).toBeCloseTo(Math.exp(run.metrics.eval_loss), 6);
    expect(run.metrics.onnx_max_abs_diff).toBeLessThanOrEqual(1e-4);
    for (const file of ["config.json", "generation_config.json", "tokenizer.json", "onnx/model.onnx"]) {
      expect(existsSync(join(run.modelDir, file))).toBe(true);
    }
    const samples = readFileSync(join(dir, "out", "samples.jsonl"), "utf8")
      .trimEnd()
      .split("\n");
    expect(samples).toHaveLength(12); // every validation prompt, up to 32
    const first = JSON.parse(samples[0] ?? "{}") as Record<string, string>;
    expect(Object.keys(first)).toEqual(["prompt", "completion", "reference"]);
    expect(first.prompt).toMatch(/\nSubject:$/);
    expect(first.reference).toMatch(/^ (free offer|team update)$/);
    expect(typeof run.metrics.eval_exact_match).toBe("number");
  });

  it("rejects with the trainer's own message when the dataset is bad", async () => {
    const dir = scratch();
    const train = join(dir, "train.jsonl");
    writeFileSync(train, '{"text": "fine", "label": "ham"}\n{"text": "odd", "label": "eggs"}\n');
    const failed = runTrainer({ job: tinyJob(train), outDir: join(dir, "out") });
    await expect(failed).rejects.toThrow(
      "trainer exited with code 2: trainer: train.jsonl line 2: \"label\" \"eggs\" is not one of the task labels ['ham', 'spam']",
    );
    await failed.catch((error: TrainerError) => {
      expect(error).toBeInstanceOf(TrainerError);
      expect(error.exitCode).toBe(2);
    });
    expect(existsSync(join(dir, "out", "model"))).toBe(false);
  });

  it("rejects a job that fails the schema before starting anything", async () => {
    const dir = scratch();
    const job = { ...tinyJob(join(dir, "train.jsonl")), schedule: { steps: 0 } };
    await expect(runTrainer({ job, outDir: join(dir, "out") })).rejects.toThrow(/schedule\.steps: Too small/);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("kills the trainer when aborted", async () => {
    const dir = scratch();
    const outDir = join(dir, "out");
    const controller = new AbortController();
    const run = runTrainer({
      job: { ...tinyJob(keywordDataset(join(dir, "train.jsonl"), 200), 100_000), device: "cpu" },
      outDir,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "step") controller.abort(new Error("stop, please"));
      },
    });
    await expect(run).rejects.toThrow("stop, please");
    expect(processesMentioning(outDir)).toEqual([]);
    expect(existsSync(join(outDir, "model"))).toBe(false);
  });
});
