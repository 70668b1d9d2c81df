// The trainer's progress events: one JSON object a line on its stdout (trainer/events.py writes them).
import { z } from "zod";

const finite = z.number().refine(Number.isFinite, "must be finite");
const count = z.int().min(0);
/** Which stage of a multi-stage job (trainer/stages.py) the event belongs to; absent without stages. */
const stage = count.optional();

export const startEventSchema = z.strictObject({
  type: z.literal("start"),
  stage,
  device: z.enum(["cpu", "cuda"]),
  precision: z.enum(["fp32", "bf16", "fp16"]),
  parameters: count,
  /** Parameters the optimizer updates (fewer with LoRA or freezing). */
  trainable_parameters: count.optional(),
  vocab_size: count,
  train_examples: count,
  validation_examples: count,
  steps: count,
  /** The snapshot's step when the run resumes one, else 0. */
  start_step: count.optional(),
  /** Data-parallel processes under torchrun; absent for one process. */
  processes: z.int().min(2).optional(),
});

/** Training progress; loss is the mean training loss since the previous step event. */
export const stepEventSchema = z.strictObject({
  type: z.literal("step"),
  stage,
  step: count,
  loss: finite,
  lr: finite,
  grad_norm: finite,
  tokens_per_s: finite,
});

/** Evaluation on the validation split. */
export const evalEventSchema = z.strictObject({
  type: z.literal("eval"),
  stage,
  step: count,
  loss: finite,
  accuracy: z.number().min(0).max(1),
});

/** The transformers checkpoint folder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json). */
export const checkpointEventSchema = z.strictObject({
  type: z.literal("checkpoint"),
  path: z.string().min(1),
});

/** The ONNX file, and its largest absolute logit difference from PyTorch on sample inputs. */
export const exportEventSchema = z.strictObject({
  type: z.literal("export"),
  path: z.string().min(1),
  max_abs_diff: z.number().min(0),
});

/** A resumable snapshot (model, optimizer, scheduler, data order, RNG state): a job's resume_from. */
export const snapshotEventSchema = z.strictObject({
  type: z.literal("snapshot"),
  stage,
  step: count,
  path: z.string().min(1),
});

/** Early stopping ended training after this step (the validation metric stopped improving). */
export const earlyStopEventSchema = z.strictObject({
  type: z.literal("early_stop"),
  stage,
  step: count,
});

export const doneMetricsSchema = z
  .object({
    train_loss: finite,
    eval_loss: finite,
    eval_accuracy: z.number().min(0).max(1),
    majority_baseline: z.number().min(0).max(1),
    steps: count,
    train_seconds: z.number().min(0),
    onnx_max_abs_diff: z.number().min(0),
  })
  .catchall(z.number());

export const doneEventSchema = z.strictObject({
  type: z.literal("done"),
  metrics: doneMetricsSchema,
});

export const trainerEventSchema = z.discriminatedUnion("type", [
  startEventSchema,
  stepEventSchema,
  evalEventSchema,
  checkpointEventSchema,
  exportEventSchema,
  snapshotEventSchema,
  earlyStopEventSchema,
  doneEventSchema,
]);

export type StartEvent = z.infer<typeof startEventSchema>;
export type StepEvent = z.infer<typeof stepEventSchema>;
export type EvalEvent = z.infer<typeof evalEventSchema>;
export type CheckpointEvent = z.infer<typeof checkpointEventSchema>;
export type ExportEvent = z.infer<typeof exportEventSchema>;
export type SnapshotEvent = z.infer<typeof snapshotEventSchema>;
export type EarlyStopEvent = z.infer<typeof earlyStopEventSchema>;
export type DoneMetrics = z.infer<typeof doneMetricsSchema>;
export type DoneEvent = z.infer<typeof doneEventSchema>;
export type TrainerEvent = z.infer<typeof trainerEventSchema>;

/** Parse one stdout line into an event, or throw an error that quotes the line. */
export function parseEventLine(line: string): TrainerEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`trainer wrote a line that is not JSON: ${quote(line)}`);
  }
  const result = trainerEventSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`);
    throw new Error(`trainer wrote an invalid event (${problems.join("; ")}): ${quote(line)}`);
  }
  return result.data;
}

function quote(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}
