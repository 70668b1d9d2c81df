// Runner leases on compression jobs in D1 (migration 0005): the oldest queued job marked for a
// runner is claimed for a TTL; heartbeats extend it; it ends succeeded or failed only under the lease
// that holds it. Every change is one statement guarded by the state it expects, as in fine-tuning.
import type { JobStatus } from "../jobs/schemas.ts";

export interface LeasedJobRow {
  id: string;
  kind: string;
  model: string;
  version: string;
  status: JobStatus;
  request: string;
  runner: number;
  lease_id: string | null;
  lease_expires_at: number | null;
  attempts: number;
}

export const newLeaseId = () => `clease-${crypto.randomUUID().replaceAll("-", "")}`;

/** Marks a queued job as waiting for a runner (the Queue consumer is never sent it). */
export async function markForRunner(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE jobs SET runner = 1 WHERE id = ?1 AND status = 'queued'").bind(id).run();
}

/** Runner jobs whose lease ran out go back to the queue; returns their ids. */
export async function requeueExpired(db: D1Database, now: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `UPDATE jobs SET status = 'queued', lease_id = NULL, lease_expires_at = NULL, updated_at = ?2
       WHERE runner = 1 AND status = 'running' AND lease_expires_at < ?1 RETURNING id`,
    )
    .bind(now, new Date(now).toISOString())
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Leases the oldest queued runner job, or null when none waits. */
export function claimOldest(db: D1Database, lease: string, expiresAt: number): Promise<LeasedJobRow | null> {
  return db
    .prepare(
      `UPDATE jobs SET status = 'running', lease_id = ?1, lease_expires_at = ?2, attempts = attempts + 1,
         updated_at = ?3
       WHERE id = (SELECT id FROM jobs WHERE runner = 1 AND status = 'queued' ORDER BY created_at, id LIMIT 1)
         AND status = 'queued'
       RETURNING *`,
    )
    .bind(lease, expiresAt, new Date().toISOString())
    .first<LeasedJobRow>();
}

export function jobByLease(db: D1Database, lease: string): Promise<LeasedJobRow | null> {
  return db.prepare("SELECT * FROM jobs WHERE lease_id = ?1").bind(lease).first<LeasedJobRow>();
}

/** Extends a live lease; null when it is not live. */
export function extendLease(db: D1Database, lease: string, expiresAt: number, now: number) {
  return db
    .prepare(
      `UPDATE jobs SET lease_expires_at = ?2, updated_at = ?4
       WHERE lease_id = ?1 AND status = 'running' AND lease_expires_at >= ?3 RETURNING *`,
    )
    .bind(lease, expiresAt, now, new Date(now).toISOString())
    .first<LeasedJobRow>();
}

/** Ends the running job that holds `lease`; null when it does not hold it running. */
export function finishLeasedJob(
  db: D1Database,
  lease: string,
  outcome: { status: "succeeded"; result: unknown } | { status: "failed"; error: string },
) {
  return db
    .prepare(
      `UPDATE jobs SET status = ?2, result = ?3, error = ?4, updated_at = ?5
       WHERE lease_id = ?1 AND status = 'running' RETURNING *`,
    )
    .bind(
      lease,
      outcome.status,
      outcome.status === "succeeded" ? JSON.stringify(outcome.result) : null,
      outcome.status === "failed" ? outcome.error : null,
      new Date().toISOString(),
    )
    .first<LeasedJobRow>();
}

/**
 * Appends a runner's events to its leased job in order, in one transaction (the job_events of
 * functions/jobs/store.ts); an event numbered by `seq` that this lease already stored (a resent batch,
 * migration 0008) is skipped. Returns how many were stored.
 */
export async function addLeaseEvents(
  db: D1Database,
  jobId: string,
  lease: string,
  events: { type: string; data: unknown; seq?: number | undefined }[],
): Promise<number> {
  const at = new Date().toISOString();
  const results = await db.batch(
    events.map((e) =>
      db
        .prepare(
          `INSERT INTO job_events (job_id, seq, at, type, data, lease_id, runner_seq)
           VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = ?1), ?2, ?3, ?4, ?5, ?6)
           ON CONFLICT (job_id, lease_id, runner_seq) DO NOTHING`,
        )
        .bind(jobId, at, e.type, JSON.stringify(e.data), e.seq === undefined ? null : lease, e.seq ?? null),
    ),
  );
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}
