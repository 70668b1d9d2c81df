-- Background jobs (compression now; fine-tuning later) and their events. A job's row changes
-- status as it runs; events only ever append, numbered per job.

CREATE TABLE jobs (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  model       TEXT NOT NULL,
  version     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  request     TEXT NOT NULL,
  result      TEXT,
  error       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX jobs_by_model ON jobs (model, created_at DESC);

CREATE TABLE job_events (
  job_id  TEXT NOT NULL REFERENCES jobs(id),
  seq     INTEGER NOT NULL,
  at      TEXT NOT NULL,
  type    TEXT NOT NULL,
  data    TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
