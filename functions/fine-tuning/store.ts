// Fine-tuning files, jobs and events in D1 (migration 0003). Every change of a job is one statement
// guarded by the state it expects (status, lease), so two runners or a runner and a cancel cannot both
// win; D1 runs statements one at a time.
import type { FileObject, FineTuningJob, JobEvent, JobStatus } from "./schemas.ts";

const hex32 = () => crypto.randomUUID().replaceAll("-", "");
export const newId = (prefix: "file" | "ftjob" | "lease") => `${prefix}-${hex32()}`;
const seconds = (ms: number) => Math.floor(ms / 1000);

// ---- files ----

interface FileRow {
  id: string;
  sha256: string;
  bytes: number;
  lines: number;
  filename: string;
  purpose: string;
  created_at: number;
}

const toFile = (r: FileRow): FileObject => ({
  id: r.id,
  object: "file",
  bytes: r.bytes,
  created_at: seconds(r.created_at),
  filename: r.filename,
  purpose: "fine-tune",
  lines: r.lines,
  sha256: r.sha256,
});

export async function insertFile(
  db: D1Database,
  file: { sha256: string; bytes: number; lines: number; filename: string },
): Promise<FileObject> {
  const row: FileRow = { id: newId("file"), purpose: "fine-tune", created_at: Date.now(), ...file };
  await db
    .prepare(
      `INSERT INTO fine_tuning_files (id, sha256, bytes, lines, filename, purpose, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
    )
    .bind(row.id, row.sha256, row.bytes, row.lines, row.filename, row.purpose, row.created_at)
    .run();
  return toFile(row);
}

export async function getFile(db: D1Database, id: string): Promise<FileObject | null> {
  const row = await db.prepare("SELECT * FROM fine_tuning_files WHERE id = ?1").bind(id).first<FileRow>();
  return row && toFile(row);
}

// ---- jobs ----

export interface JobRow {
  seq: number;
  id: string;
  model: string;
  status: JobStatus;
  training_file: string;
  validation_file: string | null;
  suffix: string | null;
  hyperparameters: string;
  trainer_job: string;
  output_model: string;
  output_version: string;
  metadata: string | null;
  fine_tuned_model: string | null;
  result: string | null;
  error: string | null;
  lease_id: string | null;
  lease_expires_at: number | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface JobResult {
  model_name: string;
  version: string;
  metrics?: Record<string, number>;
  trained_tokens?: number;
  /** Files the runner stored in its artifact store (s3:// URIs), listed as the job's result_files. */
  artifacts?: { path: string; uri: string; sha256: string; size: number }[];
}

export function toJob(r: JobRow): FineTuningJob {
  const hyper = JSON.parse(r.hyperparameters) as FineTuningJob["hyperparameters"];
  const trainer = JSON.parse(r.trainer_job) as { schedule: { seed: number } };
  const result = r.result === null ? null : (JSON.parse(r.result) as JobResult);
  return {
    id: r.id,
    object: "fine_tuning.job",
    model: r.model,
    created_at: seconds(r.created_at),
    finished_at: r.finished_at === null ? null : seconds(r.finished_at),
    fine_tuned_model: r.fine_tuned_model,
    organization_id: "org-edgetune",
    result_files: result?.artifacts?.map((a) => a.uri) ?? [],
    status: r.status,
    training_file: r.training_file,
    validation_file: r.validation_file,
    hyperparameters: hyper,
    trained_tokens: result?.trained_tokens ?? null,
    error: r.error === null ? null : JSON.parse(r.error),
    seed: trainer.schedule.seed,
    estimated_finish: null,
    user_provided_suffix: r.suffix,
    metadata: r.metadata === null ? null : JSON.parse(r.metadata),
    edgetune: {
      output: { model: r.output_model, version: r.output_version },
      attempts: r.attempts,
      started_at: r.started_at === null ? null : seconds(r.started_at),
      lease_expires_at:
        r.status === "running" && r.lease_expires_at !== null ? seconds(r.lease_expires_at) : null,
      metrics: result?.metrics ?? null,
    },
  };
}

export async function insertJob(
  db: D1Database,
  job: {
    id: string;
    model: string;
    training_file: string;
    validation_file: string | null;
    suffix: string | null;
    hyperparameters: unknown;
    trainer_job: unknown;
    output_model: string;
    output_version: string;
    metadata: unknown;
  },
): Promise<JobRow> {
  const now = Date.now();
  const row = await db
    .prepare(
      `INSERT INTO fine_tuning_jobs (id, model, status, training_file, validation_file, suffix,
         hyperparameters, trainer_job, output_model, output_version, metadata, created_at, updated_at)
       VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING *`,
    )
    .bind(
      job.id,
      job.model,
      job.training_file,
      job.validation_file,
      job.suffix,
      JSON.stringify(job.hyperparameters),
      JSON.stringify(job.trainer_job),
      job.output_model,
      job.output_version,
      job.metadata == null ? null : JSON.stringify(job.metadata),
      now,
    )
    .first<JobRow>();
  if (!row) throw new Error("inserting a fine-tuning job returned no row");
  return row;
}

export function getJobRow(db: D1Database, id: string): Promise<JobRow | null> {
  return db.prepare("SELECT * FROM fine_tuning_jobs WHERE id = ?1").bind(id).first<JobRow>();
}

export function jobByLease(db: D1Database, lease: string): Promise<JobRow | null> {
  return db.prepare("SELECT * FROM fine_tuning_jobs WHERE lease_id = ?1").bind(lease).first<JobRow>();
}

/** Jobs, newest first, older than `afterId` when given; one more than `limit` tells has_more. */
export async function listJobs(db: D1Database, limit: number, afterId?: string): Promise<JobRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM fine_tuning_jobs
       WHERE ?1 IS NULL OR seq < (SELECT seq FROM fine_tuning_jobs WHERE id = ?1)
       ORDER BY seq DESC LIMIT ?2`,
    )
    .bind(afterId ?? null, limit + 1)
    .all<JobRow>();
  return results;
}

/** Queued or running → cancelled (the lease stays recorded, so the runner's next heartbeat hears of it). */
export async function cancelJob(db: D1Database, id: string): Promise<JobRow | null> {
  const now = Date.now();
  return db
    .prepare(
      `UPDATE fine_tuning_jobs SET status = 'cancelled', finished_at = ?2, updated_at = ?2
       WHERE id = ?1 AND status IN ('queued', 'running') RETURNING *`,
    )
    .bind(id, now)
    .first<JobRow>();
}

/** Running jobs whose lease ran out go back to the queue; returns their ids. */
export async function requeueExpired(db: D1Database, now: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `UPDATE fine_tuning_jobs SET status = 'queued', lease_id = NULL, lease_expires_at = NULL, updated_at = ?1
       WHERE status = 'running' AND lease_expires_at < ?1 RETURNING id`,
    )
    .bind(now)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Leases the oldest queued job, or returns null when none is queued. */
export async function claimOldest(db: D1Database, lease: string, expiresAt: number): Promise<JobRow | null> {
  const now = Date.now();
  return db
    .prepare(
      `UPDATE fine_tuning_jobs
       SET status = 'running', lease_id = ?1, lease_expires_at = ?2, attempts = attempts + 1,
           started_at = COALESCE(started_at, ?3), updated_at = ?3
       WHERE seq = (SELECT seq FROM fine_tuning_jobs WHERE status = 'queued' ORDER BY seq LIMIT 1)
         AND status = 'queued'
       RETURNING *`,
    )
    .bind(lease, expiresAt, now)
    .first<JobRow>();
}

/** Extends a live lease of a running job; null when the lease is not live (see the caller for why). */
export function extendLease(db: D1Database, lease: string, expiresAt: number, now: number) {
  return db
    .prepare(
      `UPDATE fine_tuning_jobs SET lease_expires_at = ?2, updated_at = ?3
       WHERE lease_id = ?1 AND status = 'running' AND lease_expires_at >= ?3 RETURNING *`,
    )
    .bind(lease, expiresAt, now)
    .first<JobRow>();
}

/** Ends the running job that holds `lease` as succeeded or failed; null when it does not hold it running. */
export function finishJob(
  db: D1Database,
  lease: string,
  outcome:
    | { status: "succeeded"; fineTunedModel: string; result: JobResult }
    | { status: "failed"; error: { code: string; message: string; param: null } },
) {
  const now = Date.now();
  return db
    .prepare(
      `UPDATE fine_tuning_jobs SET status = ?2, fine_tuned_model = ?3, result = ?4, error = ?5,
         finished_at = ?6, updated_at = ?6
       WHERE lease_id = ?1 AND status = 'running' RETURNING *`,
    )
    .bind(
      lease,
      outcome.status,
      outcome.status === "succeeded" ? outcome.fineTunedModel : null,
      outcome.status === "succeeded" ? JSON.stringify(outcome.result) : null,
      outcome.status === "failed" ? JSON.stringify(outcome.error) : null,
      now,
    )
    .first<JobRow>();
}

// ---- events ----

export interface NewEvent {
  level: "info" | "warn" | "error";
  kind: string;
  message: string;
  data: Record<string, unknown>;
  /** The runner's number for the event under its lease (migration 0008): stored once per (job, lease, seq). */
  runner?: { lease: string; seq: number };
}

const METRIC_KINDS = new Set(["step", "eval", "metrics"]);

// An event numbered by its runner that is already stored (a resent batch) is skipped; the job's own
// seq is only taken by the events that are stored, so the list stays gapless.
function insertEvent(db: D1Database, jobId: string, e: NewEvent, now: number) {
  return db
    .prepare(
      `INSERT INTO fine_tuning_events (job_id, seq, created_at, level, kind, message, data, lease_id, runner_seq)
       VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM fine_tuning_events WHERE job_id = ?1), ?2, ?3, ?4, ?5, ?6,
               ?7, ?8)
       ON CONFLICT (job_id, lease_id, runner_seq) DO NOTHING`,
    )
    .bind(
      jobId,
      now,
      e.level,
      e.kind,
      e.message,
      JSON.stringify(e.data),
      e.runner?.lease ?? null,
      e.runner?.seq ?? null,
    );
}

/**
 * Appends events in order, then runs `after` (statements that read them), all in one transaction.
 * Returns how many were stored: fewer than given when some were numbered events already stored.
 */
export async function addEvents(
  db: D1Database,
  jobId: string,
  events: NewEvent[],
  after: D1PreparedStatement[] = [],
  now = Date.now(),
): Promise<number> {
  if (events.length === 0) return 0;
  const results = await db.batch([...events.map((e) => insertEvent(db, jobId, e, now)), ...after]);
  return results.slice(0, events.length).reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

export const addEvent = (
  db: D1Database,
  jobId: string,
  message: string,
  data: Record<string, unknown> = {},
) => addEvents(db, jobId, [{ level: "info", kind: "message", message, data }]).then(() => {});

export const eventId = (jobId: string, seq: number) => `ftevent-${jobId.slice("ftjob-".length)}-${seq}`;

/** Events newest first, older than the event `afterId` when given; one more than `limit` tells has_more. */
export async function listEvents(
  db: D1Database,
  jobId: string,
  limit: number,
  afterSeq?: number,
): Promise<JobEvent[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, created_at, level, kind, message, data FROM fine_tuning_events
       WHERE job_id = ?1 AND (?2 IS NULL OR seq < ?2) ORDER BY seq DESC LIMIT ?3`,
    )
    .bind(jobId, afterSeq ?? null, limit + 1)
    .all<{
      seq: number;
      created_at: number;
      level: JobEvent["level"];
      kind: string;
      message: string;
      data: string;
    }>();
  return results.map((e) => ({
    id: eventId(jobId, e.seq),
    object: "fine_tuning.job.event",
    created_at: seconds(e.created_at),
    level: e.level,
    message: e.message,
    type: METRIC_KINDS.has(e.kind) ? "metrics" : "message",
    data: { ...JSON.parse(e.data), event: e.kind },
  }));
}
