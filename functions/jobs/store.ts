// Jobs in D1. Each write is one statement, so a reader sees a job either before or after a change.
import type { Job, JobEvent, JobStatus } from "./schemas.ts";

interface JobRow {
  id: string;
  kind: string;
  model: string;
  version: string;
  status: JobStatus;
  request: string;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  object: "job",
  kind: r.kind,
  model: r.model,
  version: r.version,
  status: r.status,
  request: JSON.parse(r.request),
  result: r.result === null ? null : JSON.parse(r.result),
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function createJob(
  db: D1Database,
  job: { kind: string; model: string; version: string; request: unknown },
): Promise<Job> {
  const id = `job_${crypto.randomUUID().replaceAll("-", "")}`;
  const now = new Date().toISOString();
  await db
    .prepare(
      `INSERT INTO jobs (id, kind, model, version, status, request, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?6)`,
    )
    .bind(id, job.kind, job.model, job.version, JSON.stringify(job.request), now)
    .run();
  return (await getJob(db, id)) as Job;
}

export async function getJob(db: D1Database, id: string): Promise<Job | null> {
  const row = await db.prepare("SELECT * FROM jobs WHERE id = ?1").bind(id).first<JobRow>();
  return row && toJob(row);
}

/** Moves a job to `status`; `from` guards the transition (e.g. only a queued job starts). */
export async function setJobStatus(
  db: D1Database,
  id: string,
  status: JobStatus,
  outcome: { from?: JobStatus[]; result?: unknown; error?: string } = {},
): Promise<boolean> {
  const from = outcome.from ?? ["queued", "running"];
  const placeholders = from.map((_, i) => `?${i + 5}`).join(", ");
  const { meta } = await db
    .prepare(
      `UPDATE jobs SET status = ?2, result = ?3, error = ?4, updated_at = ?${from.length + 5}
       WHERE id = ?1 AND status IN (${placeholders})`,
    )
    .bind(
      id,
      status,
      outcome.result === undefined ? null : JSON.stringify(outcome.result),
      outcome.error ?? null,
      ...from,
      new Date().toISOString(),
    )
    .run();
  return meta.changes > 0;
}

export async function addJobEvent(
  db: D1Database,
  id: string,
  type: string,
  data: unknown = {},
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO job_events (job_id, seq, at, type, data)
       VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = ?1), ?2, ?3, ?4)`,
    )
    .bind(id, new Date().toISOString(), type, JSON.stringify(data))
    .run();
}

export async function listJobEvents(db: D1Database, id: string, after = 0): Promise<JobEvent[]> {
  const { results } = await db
    .prepare("SELECT seq, at, type, data FROM job_events WHERE job_id = ?1 AND seq > ?2 ORDER BY seq")
    .bind(id, after)
    .all<{ seq: number; at: string; type: string; data: string }>();
  return results.map((e) => ({ ...e, data: JSON.parse(e.data) }));
}
