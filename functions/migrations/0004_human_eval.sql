-- Human evaluation: studies of blind pairwise (A/B) or Likert items, and raters' judgments.
-- A study's blind_key is a secret that seeds each rater's presentation order; it never leaves the Worker.
-- Ratings are stored in terms of the true variants (choice A, B or tie), with the side A was shown on.

CREATE TABLE human_eval_studies (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('pairwise', 'likert')),
  name        TEXT NOT NULL,
  config      TEXT NOT NULL,
  blind_key   TEXT NOT NULL,
  item_count  INTEGER NOT NULL,
  created_at  TEXT NOT NULL
);

CREATE TABLE human_eval_items (
  study_id  TEXT NOT NULL REFERENCES human_eval_studies(id),
  idx       INTEGER NOT NULL,
  prompt    TEXT NOT NULL,
  output_a  TEXT NOT NULL,
  output_b  TEXT,
  variant   TEXT,
  PRIMARY KEY (study_id, idx)
);

CREATE TABLE human_eval_ratings (
  study_id    TEXT NOT NULL,
  idx         INTEGER NOT NULL,
  rater       TEXT NOT NULL,
  choice      TEXT CHECK (choice IN ('A', 'B', 'tie')),
  score       INTEGER,
  a_first     INTEGER CHECK (a_first IN (0, 1)),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (study_id, idx, rater),
  FOREIGN KEY (study_id, idx) REFERENCES human_eval_items(study_id, idx),
  CHECK ((choice IS NULL) <> (score IS NULL))
);
