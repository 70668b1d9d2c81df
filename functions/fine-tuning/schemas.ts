// Bodies of the fine-tuning routes: files, jobs and their events and checkpoints shaped like OpenAI's
// fine-tuning API, and the runner lease API. Times on the wire are unix seconds, as OpenAI's are.
import { z } from "zod";
import { ModelName, VersionName } from "../registry/names.ts";
import { checkBatchSeqs, RunnerSeq } from "../runner-event-seq.ts";

export const FileId = z.string().regex(/^file-[0-9a-f]{32}$/, "a file id looks like file-<32 hex digits>");
export const JobId = z.string().regex(/^ftjob-[0-9a-f]{32}$/, "a job id looks like ftjob-<32 hex digits>");
export const LeaseId = z
  .string()
  .regex(/^lease-[0-9a-f]{32}$/, "a lease id looks like lease-<32 hex digits>");

export const FileObject = z.object({
  id: z.string(),
  object: z.literal("file"),
  bytes: z.int(),
  created_at: z.int(),
  filename: z.string(),
  purpose: z.literal("fine-tune"),
  /** edgetune: how many JSON lines the file holds, and its content hash. */
  lines: z.int(),
  sha256: z.string(),
});
export type FileObject = z.infer<typeof FileObject>;

export const JobStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;

export const Hyperparameters = z
  .strictObject({
    n_epochs: z.int().min(1).max(1000).optional().describe("passes over the training file (sets steps)"),
    steps: z.int().min(1).max(1_000_000).optional().describe("optimizer steps"),
    batch_size: z.int().min(1).max(4096).optional(),
    learning_rate: z.number().gt(0).max(1).optional().describe("peak learning rate"),
  })
  .refine((h) => h.n_epochs === undefined || h.steps === undefined, {
    message: "give n_epochs or steps, not both",
    path: ["steps"],
  });

export const CreateJobRequest = z.strictObject({
  model: z.string().min(1).describe("the base model: tiny-bert or mini-bert"),
  training_file: FileId,
  validation_file: FileId.nullish(),
  hyperparameters: Hyperparameters.optional(),
  suffix: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, "a suffix is 1–40 letters, digits, '_' or '-'")
    .nullish(),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  edgetune: z
    .strictObject({
      task: z.unknown().optional().describe("{ type?, labels }: the trainer's task"),
      tokenizer: z.unknown().optional(),
      schedule: z.record(z.string(), z.unknown()).optional().describe("other schedule fields of the trainer"),
      techniques: z.unknown().optional(),
      device: z.unknown().optional(),
      validation_fraction: z.number().optional(),
      output: z
        .strictObject({ model: ModelName.optional(), version: VersionName.optional() })
        .optional()
        .describe("where the runner publishes the result (default <base>-<suffix|ft>, ft-<job>)"),
    })
    .optional(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JobError = z.object({ code: z.string(), message: z.string(), param: z.string().nullable() });

export const FineTuningJob = z.object({
  id: z.string(),
  object: z.literal("fine_tuning.job"),
  model: z.string(),
  created_at: z.int(),
  finished_at: z.int().nullable(),
  fine_tuned_model: z.string().nullable(),
  organization_id: z.string(),
  result_files: z.array(z.string()),
  status: JobStatus,
  training_file: z.string(),
  validation_file: z.string().nullable(),
  hyperparameters: z.object({
    n_epochs: z.union([z.int(), z.literal("auto")]),
    steps: z.int(),
    batch_size: z.int(),
    learning_rate: z.number(),
  }),
  trained_tokens: z.int().nullable(),
  error: JobError.nullable(),
  seed: z.int(),
  estimated_finish: z.int().nullable(),
  user_provided_suffix: z.string().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  edgetune: z.object({
    output: z.object({ model: z.string(), version: z.string() }),
    attempts: z.int(),
    started_at: z.int().nullable(),
    lease_expires_at: z.int().nullable(),
    metrics: z.record(z.string(), z.number()).nullable(),
  }),
});
export type FineTuningJob = z.infer<typeof FineTuningJob>;

export const JobList = z.object({
  object: z.literal("list"),
  data: z.array(FineTuningJob),
  has_more: z.boolean(),
});

export const JobEvent = z.object({
  id: z.string(),
  object: z.literal("fine_tuning.job.event"),
  created_at: z.int(),
  level: z.enum(["info", "warn", "error"]),
  message: z.string(),
  type: z.enum(["message", "metrics"]),
  data: z.record(z.string(), z.unknown()),
});
export type JobEvent = z.infer<typeof JobEvent>;

export const JobEventList = z.object({
  object: z.literal("list"),
  data: z.array(JobEvent),
  has_more: z.boolean(),
});

export const Checkpoint = z.object({
  id: z.string(),
  object: z.literal("fine_tuning.job.checkpoint"),
  created_at: z.int(),
  fine_tuned_model_checkpoint: z
    .string()
    .describe("the published model (model@version), or a snapshot's s3:// URI (its runner path without one)"),
  fine_tuning_job_id: z.string(),
  step_number: z.int(),
  metrics: z
    .record(z.string(), z.number())
    .describe(
      "a snapshot: step, and train_loss, valid_loss, valid_accuracy as last reported at or before its step " +
        "(train_loss: the step event's mean since the previous one; valid_*: the whole validation split); " +
        "the published model: the trainer's final metrics",
    ),
  edgetune: z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("model").describe("the job's result, published as a model version"),
      model: z.string(),
      version: z.string(),
    }),
    z.object({
      kind: z.literal("snapshot").describe("a resumable snapshot the trainer wrote during training"),
      stage: z.int().nullable().describe("the stage of a multi-stage job; null without stages"),
      path: z.string().describe("the snapshot folder where the runner's trainer wrote it"),
      uri: z
        .string()
        .nullable()
        .describe("where the runner stored it (s3://…/); null without an artifact store"),
    }),
  ]),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** Query of the checkpoints list: OpenAI's page size (default 10, at most 100) and cursor. */
export const CheckpointListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10).describe("At most this many checkpoints"),
  after: z.string().max(200).optional().describe("The last checkpoint id of the previous page"),
});

export const CheckpointList = z.object({
  object: z.literal("list"),
  data: z.array(Checkpoint),
  has_more: z.boolean(),
});

// ---- runner lease API ----

export const LeaseRequest = z.strictObject({
  ttl_seconds: z
    .int()
    .min(5)
    .max(3600)
    .default(300)
    .describe("the lease ends this long after its last heartbeat"),
});

export const HeartbeatRequest = z.strictObject({ ttl_seconds: z.int().min(5).max(3600).optional() });

export const Lease = z.object({
  object: z.literal("runner.lease"),
  id: z.string(),
  expires_at: z.int(),
  ttl_seconds: z.int(),
  job: FineTuningJob,
  /** The trainer's job (training-runner's jobSchema); data.train / data.validation hold file ids. */
  trainer_job: z.record(z.string(), z.unknown()),
  files: z.object({
    training: z.object({ id: z.string(), url: z.string() }),
    validation: z.object({ id: z.string(), url: z.string() }).nullable(),
  }),
  output: z.object({ model: z.string(), version: z.string() }),
});
export type Lease = z.infer<typeof Lease>;

export const RunnerEvent = z.strictObject({
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,39}$/, "an event type is a short lowercase word"),
  level: z.enum(["info", "warn", "error"]).default("info"),
  message: z.string().max(2000).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
  seq: RunnerSeq.optional(),
});

export const EventsRequest = z
  .strictObject({ events: z.array(RunnerEvent).min(1).max(500) })
  .superRefine((body, ctx) => checkBatchSeqs(body.events, ctx));

/** A "snapshot" event's data: the trainer's {step, path, stage?}, and `uri` where the runner stored it. */
export const SnapshotEventData = z.object({
  step: z.int().min(0).max(1_000_000_000),
  stage: z.int().min(0).max(1000).optional(),
  path: z.string().min(1).max(1024),
  uri: z
    .string()
    .max(2048)
    .regex(/^s3:\/\/[^/]+\/.+/, "a snapshot URI looks like s3://<bucket>/<key>/")
    .optional(),
});
export type SnapshotEventData = z.infer<typeof SnapshotEventData>;

/** A file the runner stored in its artifact store (S3): the job's result_files list their URIs. */
export const RunnerArtifact = z.strictObject({
  path: z.string().min(1).max(1024),
  uri: z.string().regex(/^s3:\/\/[^/]+\/.+/, "an artifact URI looks like s3://<bucket>/<key>"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "a sha256 is 64 lowercase hex digits"),
  size: z.int().min(0),
});

export const CompleteRequest = z.strictObject({
  model_name: ModelName,
  version: VersionName,
  metrics: z.record(z.string(), z.number()).optional(),
  trained_tokens: z.int().min(0).optional(),
  artifacts: z.array(RunnerArtifact).max(10_000).optional(),
});

export const FailRequest = z.strictObject({
  error: z.union([
    z.string().min(1).max(4000),
    z.strictObject({ message: z.string().min(1).max(4000), code: z.string().max(64).optional() }),
  ]),
});
