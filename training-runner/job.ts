// The training job: what to train, on which data, for how long. This zod schema is the source of truth;
// `trainer/job.schema.json` is generated from it (write-job-schema.ts) and the Python trainer validates
// every job against that file before its own typed parse. Keys are snake_case: the job is a wire format
// shared with the Python dataclasses (trainer/config.py) and the fine-tuning API.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { stagesSchema } from "./stages.ts";
import { techniquesSchema } from "./techniques.ts";

/** The named tiny model configurations the trainer knows (trainer/models.py): BERT encoders and GPT-2 decoders. */
export const baseModels = ["tiny-bert", "mini-bert", "tiny-gpt2", "mini-gpt2"] as const;
/** The decoders: the models a causal-lm task trains (every other task trains an encoder). */
export const decoderModels = ["tiny-gpt2", "mini-gpt2"] as const;

const modelSchema = z
  .strictObject({
    base: z.enum(baseModels).describe("a named tiny configuration, initialised from scratch"),
  })
  .describe("the model to train");

// One schema per task; `type` picks it. Each task reads its own columns from the dataset's JSONL lines
// (trainer/tasks/<task>.py) and trains, evaluates and exports its own model.
const classificationTaskSchema = z
  .strictObject({
    type: z.literal("sequence-classification").default("sequence-classification"),
    labels: z
      .array(z.string().min(1))
      .min(2)
      .refine((labels) => new Set(labels).size === labels.length, "labels must be unique")
      .describe("the class names; a dataset line's label must be one of them"),
  })
  .describe("sequence classification (a BERT encoder): lines {text, label}");

const causalLmTaskSchema = z
  .strictObject({
    type: z.literal("causal-lm"),
    input: z
      .enum(["prompt-completion", "text"])
      .default("prompt-completion")
      .describe(
        "prompt-completion: lines {prompt, completion}, the loss on completion tokens only (fine-tuning); text: lines {text}, the loss on every next token (pre-training)",
      ),
  })
  .describe("causal language modelling (a GPT-2 decoder); eval: loss, perplexity, next-token accuracy");

const maskedLmTaskSchema = z
  .strictObject({
    type: z.literal("masked-lm"),
    mask_probability: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.15)
      .describe("share of tokens to predict; of those 80 % become [MASK], 10 % a random token, 10 % stay"),
  })
  .describe(
    "masked language modelling (BERT pre-training): lines {text}; eval: loss, perplexity, masked-token accuracy",
  );

const embeddingTaskSchema = z
  .strictObject({
    type: z.literal("embedding"),
    temperature: z
      .number()
      .gt(0)
      .max(1)
      .default(0.05)
      .describe("InfoNCE temperature: cosine similarities are divided by it"),
  })
  .describe(
    "sentence embeddings (a BERT encoder, mean pooling, L2-normalised), trained with in-batch InfoNCE: lines {anchor, positive}; eval: recall@1 of the positive among the split",
  );

const headSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, _ and - only (it names an ONNX output)")
      .describe("the head's name: a dataset line's task column, and the ONNX output logits_<name>"),
    labels: z
      .array(z.string().min(1))
      .min(2)
      .refine((labels) => new Set(labels).size === labels.length, "labels must be unique")
      .describe("this head's class names"),
    weight: z
      .number()
      .min(0)
      .default(1)
      .describe("how often a training step draws its batch from this head's lines, relative to the others"),
  })
  .describe("one classification head on the shared encoder");

const multiTaskSchema = z
  .strictObject({
    type: z.literal("multi-task"),
    heads: z
      .array(headSchema)
      .min(2)
      .refine((heads) => new Set(heads.map((h) => h.name)).size === heads.length, "head names must be unique")
      .refine((heads) => heads.some((h) => h.weight > 0), "at least one head needs a weight above 0"),
  })
  .describe(
    "several classification heads on one BERT encoder: lines {task, text, label}, each step trains one head, drawn by weight",
  );

const taskSchema = z
  .discriminatedUnion("type", [
    classificationTaskSchema,
    causalLmTaskSchema,
    maskedLmTaskSchema,
    embeddingTaskSchema,
    multiTaskSchema,
  ])
  .describe("what the model learns to do");

/** The task types the trainer knows. */
export const taskTypes = [
  "sequence-classification",
  "causal-lm",
  "masked-lm",
  "embedding",
  "multi-task",
] as const;

const dataSchema = z
  .strictObject({
    train: z
      .string()
      .min(1)
      .describe("JSONL file, one object a line with the task's columns; relative to the job file"),
    validation: z
      .string()
      .min(1)
      .optional()
      .describe("JSONL validation file; without it, validation_fraction of train is held out"),
    validation_fraction: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.1)
      .describe("share of train held out for validation when no validation file is given"),
  })
  .describe("the dataset");

const tokenizerSchema = z
  .strictObject({
    type: z
      .enum(["wordpiece", "bpe"])
      .optional()
      .describe("wordpiece (BERT) or byte-level bpe (GPT-2); default: the model's own kind"),
    vocab_size: z.int().min(100).max(100_000).default(8000),
    min_frequency: z
      .int()
      .min(1)
      .default(2)
      .describe("a piece must occur this often to enter the vocabulary"),
    lowercase: z.boolean().default(true),
  })
  .describe("a tokenizer trained on the training texts");

const scheduleSchema = z
  .strictObject({
    steps: z.int().min(1).default(500).describe("optimizer steps"),
    batch_size: z.int().min(1).max(4096).default(32),
    learning_rate: z.number().gt(0).max(1).default(0.001).describe("peak learning rate"),
    warmup_steps: z.int().min(0).default(50).describe("linear warm-up, then lr_schedule"),
    weight_decay: z.number().min(0).max(1).default(0.01).describe("weight decay on matrices"),
    grad_clip: z.number().gt(0).default(1).describe("clip the global gradient norm to this"),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    max_seq_length: z.int().min(8).max(4096).default(128).describe("tokens per example, longer ones are cut"),
    eval_interval: z.int().min(1).default(100).describe("evaluate every this many steps, and at the end"),
    log_interval: z
      .int()
      .min(1)
      .default(10)
      .describe("emit a step event every this many steps, at each evaluation, and at the end"),
    optimizer: z
      .enum(["adamw", "adam", "sgd", "signsgd"])
      .default("adamw")
      .describe("adam and adamw use betas (0.9, 0.98); signsgd steps by the sign of the gradient"),
    momentum: z
      .number()
      .min(0)
      .lt(1)
      .default(0.9)
      .describe("sgd and signsgd only (signsgd with momentum: Signum)"),
    lr_schedule: z
      .enum(["linear", "cosine", "constant"])
      .default("linear")
      .describe(
        "the learning-rate curve after the warm-up: linear or cosine decay towards zero, or constant",
      ),
    grad_accumulation_steps: z
      .int()
      .min(1)
      .default(1)
      .describe("split each step's batch into this many micro-batches: same result, less memory"),
    checkpoint_interval: z
      .int()
      .min(0)
      .default(0)
      .describe("write a resumable snapshot (out/checkpoints/step-N) every this many steps; 0: none"),
  })
  .refine((s) => s.warmup_steps <= s.steps, {
    message: "warmup_steps must not exceed steps",
    path: ["warmup_steps"],
  })
  .refine((s) => s.grad_accumulation_steps <= s.batch_size, {
    message: "grad_accumulation_steps must not exceed batch_size",
    path: ["grad_accumulation_steps"],
  })
  .describe("optimisation schedule");

export const jobSchema = z
  .strictObject({
    model: modelSchema,
    task: taskSchema,
    data: dataSchema,
    tokenizer: tokenizerSchema.prefault({}),
    schedule: scheduleSchema.prefault({}),
    techniques: techniquesSchema,
    device: z
      .enum(["auto", "cpu", "cuda"])
      .default("auto")
      .describe("auto: CUDA with bf16 autocast when available, else CPU fp32"),
    resume_from: z
      .string()
      .min(1)
      .optional()
      .describe("a snapshot folder (out/checkpoints/step-N) written by this same job: continue from there"),
    // scale (issue 4): mixed precision and multi-stage training (stages.ts)
    precision: z
      .enum(["auto", "fp32", "bf16", "fp16"])
      .default("auto")
      .describe(
        "autocast: auto is bf16 on CUDA and fp32 on CPU; bf16 also runs on CPU; fp16 (CUDA) adds a gradient scaler",
      ),
    stages: stagesSchema(scheduleSchema),
  })
  .refine(
    (job) =>
      (job.task.type === "causal-lm") === (decoderModels as readonly string[]).includes(job.model.base),
    {
      message: "causal-lm trains a GPT-2 model (tiny-gpt2, mini-gpt2); every other task a BERT model",
      path: ["model", "base"],
    },
  )
  .describe("an edgetune training job");

/** A job as written (defaults may be left out). */
export type JobInput = z.input<typeof jobSchema>;
/** A parsed job, every default filled in. */
export type Job = z.output<typeof jobSchema>;

/** Parse a job, or throw an error whose message names every bad field. */
export function parseJob(input: unknown): Job {
  const result = jobSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join(".") : "job";
      return `${field}: ${issue.message}`;
    });
    throw new Error(`invalid job: ${problems.join("; ")}`);
  }
  return result.data;
}

/** Resolve the job's relative dataset (and resume_from) paths against a directory (the job file's, or the caller's). */
export function resolveJobPaths(job: Job, baseDir: string): Job {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  const data = { ...job.data, train: at(job.data.train) };
  if (job.data.validation !== undefined) data.validation = at(job.data.validation);
  const resolved = { ...job, data };
  if (job.resume_from !== undefined) resolved.resume_from = at(job.resume_from);
  return resolved;
}

/** Read a job file: parsed, defaults filled in, dataset paths made absolute relative to the file. */
export function loadJobFile(path: string): Job {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read job file ${path}: ${(error as Error).message}`);
  }
  return resolveJobPaths(parseJob(raw), dirname(resolve(path)));
}

/** The job schema as JSON Schema (draft 2020-12), describing the input form: defaults are optional. */
export function jobJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(jobSchema, { io: "input" }) as Record<string, unknown>;
}
