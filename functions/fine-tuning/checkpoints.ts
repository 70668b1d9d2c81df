// A fine-tuning job's checkpoints in D1 (migration 0007): one for each resumable snapshot its runner
// reported, listed newest first under the published model (the job's last checkpoint). A snapshot's
// id is derived from (job, stage, step), so a runner that sends the same event batch again writes the
// same row. Its losses are read, in the same statement, from the job's stored step and eval events: the
// latest reported at or before the snapshot's step in the same stage (highest step, then the newest
// event, so a re-leased job's second attempt wins over its first). The events are stored first, in
// the same transaction, so the snapshot's own batch counts.
import { Problem } from "../problem.ts";
import type { Checkpoint, SnapshotEventData } from "./schemas.ts";
import type { JobResult, JobRow } from "./store.ts";

const seconds = (ms: number) => Math.floor(ms / 1000);
const hexOf = (jobId: string) => jobId.slice("ftjob-".length);
/** The stored stage of a job without stages (a UNIQUE key treats NULLs as distinct). */
const NO_STAGE = -1;

export interface CheckpointRow {
  id: string;
  job_id: string;
  stage: number;
  step: number;
  path: string;
  uri: string | null;
  train_loss: number | null;
  valid_loss: number | null;
  valid_accuracy: number | null;
  created_at: number;
}

/** The published model's checkpoint id (the one scheme the route has always used). */
export const modelCheckpointId = (jobId: string) => `ftckpt-${hexOf(jobId)}`;

export function snapshotCheckpointId(jobId: string, stage: number | undefined, step: number): string {
  return `ftckpt-${hexOf(jobId)}${stage === undefined ? "" : `-stage-${stage}`}-step-${step}`;
}

/**
 * The latest `field` of the job's `kind` events at or before step ?3 in stage ?2 (an index on the
 * events' (job_id, kind, seq), migration 0008, keeps it to those events).
 */
export const latest = (kind: "step" | "eval", field: string) =>
  `(SELECT json_extract(data, '$.${field}') FROM fine_tuning_events
     WHERE job_id = ?1 AND kind = '${kind}' AND COALESCE(json_extract(data, '$.stage'), ${NO_STAGE}) = ?2
       AND json_extract(data, '$.step') <= ?3
     ORDER BY json_extract(data, '$.step') DESC, seq DESC LIMIT 1)`;

/** Records (or, for a batch sent again, rewrites) the checkpoint of one snapshot event. */
export function upsertSnapshotCheckpoint(
  db: D1Database,
  jobId: string,
  snapshot: SnapshotEventData,
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO fine_tuning_checkpoints
         (id, job_id, stage, step, path, uri, train_loss, valid_loss, valid_accuracy, created_at, updated_at)
       VALUES (?4, ?1, ?2, ?3, ?5, ?6, ${latest("step", "loss")}, ${latest("eval", "loss")},
               ${latest("eval", "accuracy")}, ?7, ?7)
       ON CONFLICT (id) DO UPDATE SET path = excluded.path, uri = excluded.uri,
         train_loss = excluded.train_loss, valid_loss = excluded.valid_loss,
         valid_accuracy = excluded.valid_accuracy, updated_at = excluded.updated_at`,
    )
    .bind(
      jobId,
      snapshot.stage ?? NO_STAGE,
      snapshot.step,
      snapshotCheckpointId(jobId, snapshot.stage, snapshot.step),
      snapshot.path,
      snapshot.uri ?? null,
      now,
    );
}

export function getSnapshotCheckpoint(db: D1Database, jobId: string, id: string) {
  return db
    .prepare("SELECT * FROM fine_tuning_checkpoints WHERE job_id = ?1 AND id = ?2")
    .bind(jobId, id)
    .first<CheckpointRow>();
}

/** Snapshots newest first (last stage, then highest step), after `after` when given; at most `limit`. */
export async function listSnapshotCheckpoints(
  db: D1Database,
  jobId: string,
  limit: number,
  after?: { stage: number; step: number },
): Promise<CheckpointRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM fine_tuning_checkpoints
       WHERE job_id = ?1 AND (?2 IS NULL OR stage < ?2 OR (stage = ?2 AND step < ?3))
       ORDER BY stage DESC, step DESC LIMIT ?4`,
    )
    .bind(jobId, after?.stage ?? null, after?.step ?? null, limit)
    .all<CheckpointRow>();
  return results;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export function snapshotCheckpoint(r: CheckpointRow): Checkpoint {
  const metrics: Record<string, number> = { step: r.step };
  for (const name of ["train_loss", "valid_loss", "valid_accuracy"] as const) {
    const value = r[name];
    if (isNumber(value)) metrics[name] = value;
  }
  return {
    id: r.id,
    object: "fine_tuning.job.checkpoint",
    created_at: seconds(r.created_at),
    fine_tuned_model_checkpoint: r.uri ?? r.path,
    fine_tuning_job_id: r.job_id,
    step_number: r.step,
    metrics,
    edgetune: { kind: "snapshot", stage: r.stage === NO_STAGE ? null : r.stage, path: r.path, uri: r.uri },
  };
}

/** The published model as the job's last checkpoint, once the job succeeded; else null. */
export function modelCheckpoint(row: JobRow): Checkpoint | null {
  const result = row.result === null ? null : (JSON.parse(row.result) as JobResult);
  if (row.status !== "succeeded" || !result || !row.fine_tuned_model) return null;
  return {
    id: modelCheckpointId(row.id),
    object: "fine_tuning.job.checkpoint",
    created_at: seconds(row.finished_at ?? row.updated_at),
    fine_tuned_model_checkpoint: row.fine_tuned_model,
    fine_tuning_job_id: row.id,
    step_number: Math.round(result.metrics?.steps ?? 0),
    metrics: result.metrics ?? {},
    edgetune: { kind: "model", model: result.model_name, version: result.version },
  };
}

/**
 * One page of the job's checkpoints, newest first: the published model (once the job succeeded), then
 * its snapshots. `after` is a checkpoint id of this job (404 otherwise), as OpenAI's cursor is.
 */
export async function checkpointPage(
  db: D1Database,
  job: JobRow,
  limit: number,
  after?: string,
): Promise<{ data: Checkpoint[]; has_more: boolean }> {
  const model = modelCheckpoint(job);
  let head: Checkpoint[] = [];
  let cursor: { stage: number; step: number } | undefined;
  if (after === undefined) head = model ? [model] : [];
  else if (after !== model?.id) {
    const row = await getSnapshotCheckpoint(db, job.id, after);
    if (!row) {
      throw new Problem({
        status: 404,
        slug: "checkpoint-not-found",
        title: "Not Found",
        detail: `after ${JSON.stringify(after)} is not a checkpoint of job ${job.id}`,
        extra: { param: "after" },
      });
    }
    cursor = { stage: row.stage, step: row.step };
  }
  const rows = await listSnapshotCheckpoints(db, job.id, limit + 1 - head.length, cursor);
  const all = [...head, ...rows.map(snapshotCheckpoint)];
  return { data: all.slice(0, limit), has_more: all.length > limit };
}
