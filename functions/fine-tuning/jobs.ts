// Fine-tuning jobs shaped like OpenAI's: create, get, list, events, checkpoints, cancel. A request
// becomes the trainer's job (training-runner's job schema, through its generated JSON Schema, so the
// Worker checks exactly what the trainer will) with file ids in place of dataset paths; a runner
// leases it (leases.ts).
import { Hono } from "hono";
import { z } from "zod";
import trainerJobSchema from "../../training-runner/trainer/job.schema.json" with { type: "json" };
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { checkpointPage } from "./checkpoints.ts";
import {
  CheckpointList,
  CheckpointListQuery,
  CreateJobRequest,
  FineTuningJob,
  JobEventList,
  JobId,
  JobList,
} from "./schemas.ts";
import {
  addEvent,
  cancelJob,
  getFile,
  getJobRow,
  insertJob,
  type JobRow,
  listEvents,
  listJobs,
  newId,
  toJob,
} from "./store.ts";

const trainerJob = z.fromJSONSchema(trainerJobSchema as unknown as Parameters<typeof z.fromJSONSchema>[0]);

const DEFAULT_WARMUP = 50;

function unknownFile(param: string, id: string): Problem {
  return new Problem({
    status: 400,
    slug: "unknown-file",
    title: "Bad Request",
    detail: `${param} ${JSON.stringify(id)} is not an uploaded file; upload it with POST /v1/files`,
    extra: { param },
  });
}

/** Where a trainer-job field came from in the request, for error messages. */
function requestPath(path: PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  if (head === "model") return "model";
  if (head === "schedule" && ["steps", "batch_size", "learning_rate"].includes(rest[0] ?? "")) {
    return ["hyperparameters", ...rest].join(".");
  }
  if (head === "schedule" && rest[0] === "seed") return "seed";
  if (head === "data")
    return rest[0] === "validation_fraction" ? "edgetune.validation_fraction" : "training_file";
  return ["edgetune", head, ...rest].join(".");
}

export async function existingJob(db: D1Database, id: string): Promise<JobRow> {
  const row = JobId.safeParse(id).success ? await getJobRow(db, id) : null;
  if (!row) {
    throw new Problem({
      status: 404,
      slug: "job-not-found",
      title: "Not Found",
      detail: `No fine-tuning job ${JSON.stringify(id)}`,
    });
  }
  return row;
}

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  after: z.string().optional(),
});

export const fineTuningJobs = new Hono<AppEnv>()
  .post("/v1/fine_tuning/jobs", requireScope("write", "to create fine-tuning jobs"), async (c) => {
    const req = await jsonBody(c.req.raw, CreateJobRequest);
    const db = c.env.REGISTRY;
    const training = await getFile(db, req.training_file);
    if (!training) throw unknownFile("training_file", req.training_file);
    const validationId = req.validation_file ?? null;
    if (validationId !== null && !(await getFile(db, validationId))) {
      throw unknownFile("validation_file", validationId);
    }

    const ext = req.edgetune ?? {};
    const hyper = req.hyperparameters ?? {};
    const schedule: Record<string, unknown> = { ...ext.schedule };
    const batchSize = hyper.batch_size ?? (schedule.batch_size as number | undefined) ?? 32;
    schedule.batch_size = batchSize;
    if (hyper.learning_rate !== undefined) schedule.learning_rate = hyper.learning_rate;
    if (req.seed !== undefined) schedule.seed = req.seed;
    const trainShare = validationId === null ? 1 - (ext.validation_fraction ?? 0.1) : 1;
    const steps =
      hyper.steps ??
      (hyper.n_epochs !== undefined
        ? Math.max(1, Math.ceil((hyper.n_epochs * training.lines * trainShare) / batchSize))
        : (schedule.steps as number | undefined));
    if (steps !== undefined) schedule.steps = steps;
    if (schedule.warmup_steps === undefined && typeof schedule.steps === "number") {
      schedule.warmup_steps = Math.min(DEFAULT_WARMUP, Math.floor(schedule.steps / 10));
    }

    const draft: Record<string, unknown> = {
      model: { base: req.model },
      task: ext.task,
      data: {
        train: req.training_file,
        ...(validationId === null ? {} : { validation: validationId }),
        ...(ext.validation_fraction === undefined ? {} : { validation_fraction: ext.validation_fraction }),
      },
      schedule,
      ...(ext.tokenizer === undefined ? {} : { tokenizer: ext.tokenizer }),
      ...(ext.techniques === undefined ? {} : { techniques: ext.techniques }),
      ...(ext.device === undefined ? {} : { device: ext.device }),
    };
    const parsed = trainerJob.safeParse(draft);
    const issues = parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ path: requestPath(i.path), message: i.message }));
    const job = (parsed.success ? parsed.data : {}) as { schedule?: Record<string, number> };
    const s = job.schedule;
    const over = (a: string, b: string) => (s?.[a] ?? 0) > (s?.[b] ?? Number.POSITIVE_INFINITY);
    // the trainer's own cross-field checks (JSON Schema cannot say them)
    if (over("warmup_steps", "steps")) {
      issues.push({ path: "edgetune.schedule.warmup_steps", message: "warmup_steps must not exceed steps" });
    }
    if (over("grad_accumulation_steps", "batch_size")) {
      issues.push({
        path: "edgetune.schedule.grad_accumulation_steps",
        message: "grad_accumulation_steps must not exceed batch_size",
      });
    }
    if (issues.length > 0 || !s) {
      throw new Problem({
        status: 400,
        slug: "invalid-job",
        title: "Bad Request",
        detail: `The job is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        extra: { issues },
      });
    }

    const id = newId("ftjob");
    const row = await insertJob(db, {
      id,
      model: req.model,
      training_file: req.training_file,
      validation_file: validationId,
      suffix: req.suffix ?? null,
      hyperparameters: {
        n_epochs: hyper.n_epochs ?? "auto",
        steps: s.steps,
        batch_size: s.batch_size,
        learning_rate: s.learning_rate,
      },
      trainer_job: job,
      output_model: ext.output?.model ?? `${req.model}-${req.suffix ?? "ft"}`,
      output_version: ext.output?.version ?? `ft-${id.slice("ftjob-".length, "ftjob-".length + 12)}`,
      metadata: req.metadata ?? null,
    });
    await addEvent(db, id, `Created fine-tuning job: ${id}`);
    c.header("location", `/v1/fine_tuning/jobs/${id}`);
    return c.json(conform(FineTuningJob, toJob(row)), 201);
  })
  .get("/v1/fine_tuning/jobs", requireScope("read", "to read fine-tuning jobs"), async (c) => {
    const q = ListQuery.parse(c.req.query());
    const rows = await listJobs(c.env.REGISTRY, q.limit, q.after);
    return c.json(
      conform(JobList, {
        object: "list",
        data: rows.slice(0, q.limit).map(toJob),
        has_more: rows.length > q.limit,
      }),
    );
  })
  .get("/v1/fine_tuning/jobs/:id", requireScope("read", "to read fine-tuning jobs"), async (c) =>
    c.json(conform(FineTuningJob, toJob(await existingJob(c.env.REGISTRY, c.req.param("id"))))),
  )
  .get("/v1/fine_tuning/jobs/:id/events", requireScope("read", "to read fine-tuning jobs"), async (c) => {
    const job = await existingJob(c.env.REGISTRY, c.req.param("id"));
    const q = ListQuery.parse(c.req.query());
    const after = q.after === undefined ? undefined : Number(/-(\d+)$/.exec(q.after)?.[1] ?? Number.NaN);
    if (after !== undefined && !Number.isInteger(after)) {
      throw new Problem({
        status: 400,
        slug: "invalid-cursor",
        title: "Bad Request",
        detail: `after ${JSON.stringify(q.after)} is not an event id of this job`,
      });
    }
    const events = await listEvents(c.env.REGISTRY, job.id, q.limit, after);
    return c.json(
      conform(JobEventList, {
        object: "list",
        data: events.slice(0, q.limit),
        has_more: events.length > q.limit,
      }),
    );
  })
  .get(
    "/v1/fine_tuning/jobs/:id/checkpoints",
    requireScope("read", "to read fine-tuning jobs"),
    async (c) => {
      const db = c.env.REGISTRY;
      const job = await existingJob(db, c.req.param("id"));
      const q = CheckpointListQuery.parse(c.req.query());
      const page = await checkpointPage(db, job, q.limit, q.after);
      return c.json(conform(CheckpointList, { object: "list", ...page }));
    },
  )
  .post("/v1/fine_tuning/jobs/:id/cancel", requireScope("write", "to cancel fine-tuning jobs"), async (c) => {
    const db = c.env.REGISTRY;
    const job = await existingJob(db, c.req.param("id"));
    const cancelled = await cancelJob(db, job.id);
    if (cancelled) {
      await addEvent(db, job.id, "Job cancelled");
      return c.json(conform(FineTuningJob, toJob(cancelled)));
    }
    const now = (await getJobRow(db, job.id)) ?? job;
    if (now.status === "cancelled") return c.json(conform(FineTuningJob, toJob(now)));
    throw new Problem({
      status: 409,
      slug: "job-finished",
      title: "Conflict",
      detail: `Job ${job.id} already ${now.status}; only a queued or running job can be cancelled`,
      extra: { status: now.status },
    });
  });
