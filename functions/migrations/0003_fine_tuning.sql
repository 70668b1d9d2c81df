-- Fine-tuning (functions/fine-tuning): uploaded JSONL files, jobs shaped like OpenAI's, and their
-- events. A job is leased by one runner at a time (lease_id, lease_expires_at in unix ms); a lease
-- that expires puts the job back in the queue on the next lease call. Times are unix milliseconds.

CREATE TABLE fine_tuning_files (
  id          TEXT PRIMARY KEY,
  sha256      TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  lines       INTEGER NOT NULL,
  filename    TEXT NOT NULL,
  purpose     TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE fine_tuning_jobs (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  id                TEXT NOT NULL UNIQUE,
  model             TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  training_file     TEXT NOT NULL REFERENCES fine_tuning_files(id),
  validation_file   TEXT REFERENCES fine_tuning_files(id),
  suffix            TEXT,
  hyperparameters   TEXT NOT NULL,
  trainer_job       TEXT NOT NULL,
  output_model      TEXT NOT NULL,
  output_version    TEXT NOT NULL,
  metadata          TEXT,
  fine_tuned_model  TEXT,
  result            TEXT,
  error             TEXT,
  lease_id          TEXT UNIQUE,
  lease_expires_at  INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  started_at        INTEGER,
  finished_at       INTEGER,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX fine_tuning_jobs_by_status ON fine_tuning_jobs (status, seq);

CREATE TABLE fine_tuning_events (
  job_id      TEXT NOT NULL REFERENCES fine_tuning_jobs(id),
  seq         INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  level       TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
  kind        TEXT NOT NULL,
  message     TEXT NOT NULL,
  data        TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
