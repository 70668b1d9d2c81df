-- Compression jobs too large for the Worker wait for a runner: `runner` marks them (the Queue consumer
-- never takes them); a runner leases one like a fine-tuning job (lease id, expiry, attempts).

ALTER TABLE jobs ADD COLUMN runner INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_id TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX jobs_by_lease ON jobs (lease_id);
CREATE INDEX jobs_waiting_for_runner ON jobs (runner, status, created_at);
