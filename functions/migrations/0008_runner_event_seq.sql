-- Runner event batches are idempotent: a runner numbers the events it sends under a lease (runner_seq,
-- 0, 1, 2, … per lease) and resends a batch whose answer it lost; the UNIQUE index below stores each
-- (job, lease, runner_seq) once, so the resent copies are ignored (INSERT … ON CONFLICT DO NOTHING).
-- The lease, not the job, scopes the number: a re-leased job's second attempt counts from 0 again and
-- its events are its own. Events the Worker writes itself, and those of runners that send no number,
-- keep NULLs here, which a UNIQUE index never treats as equal: they are stored as before.

ALTER TABLE fine_tuning_events ADD COLUMN lease_id TEXT;
ALTER TABLE fine_tuning_events ADD COLUMN runner_seq INTEGER;
CREATE UNIQUE INDEX fine_tuning_events_once ON fine_tuning_events (job_id, lease_id, runner_seq);

-- A snapshot's losses (functions/fine-tuning/checkpoints.ts) are the latest step/eval event of its job
-- at or before its step: this index keeps that lookup to the job's events of one kind.
CREATE INDEX fine_tuning_events_by_kind ON fine_tuning_events (job_id, kind, seq);

-- Compression jobs' runner leases (0005) stream their progress events the same way.
ALTER TABLE job_events ADD COLUMN lease_id TEXT;
ALTER TABLE job_events ADD COLUMN runner_seq INTEGER;
CREATE UNIQUE INDEX job_events_once ON job_events (job_id, lease_id, runner_seq);
