-- A fine-tuning job's checkpoints as training goes: one row for each resumable snapshot a runner
-- reported (the trainer's "snapshot" event), keyed by (job, stage, step) through a deterministic id so a
-- retried event batch writes the same row again. stage is -1 for a job without stages (NULLs would not
-- collide in a UNIQUE key). The losses are the latest the job reported at or before the step (see
-- functions/fine-tuning/checkpoints.ts). Times are unix milliseconds.

CREATE TABLE fine_tuning_checkpoints (
  id              TEXT PRIMARY KEY,
  job_id          TEXT NOT NULL REFERENCES fine_tuning_jobs(id),
  stage           INTEGER NOT NULL,
  step            INTEGER NOT NULL,
  path            TEXT NOT NULL,
  uri             TEXT,
  train_loss      REAL,
  valid_loss      REAL,
  valid_accuracy  REAL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (job_id, stage, step)
);
