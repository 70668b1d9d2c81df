-- The model registry. A version exists (is visible) only once a row in `versions` names it: publish
-- writes that row together with its files and variants in one D1 batch (one transaction), so a
-- reader never sees half a version. Blobs live in R2 under blobs/sha256/<hex>; rows point at them
-- by hash.

CREATE TABLE models (
  name        TEXT PRIMARY KEY,
  public      INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
  created_at  TEXT NOT NULL
);

-- Files uploaded for a version that is not published yet.
CREATE TABLE staged_files (
  model       TEXT NOT NULL REFERENCES models(name),
  version     TEXT NOT NULL,
  path        TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  size        INTEGER NOT NULL,
  uploaded_at TEXT NOT NULL,
  PRIMARY KEY (model, version, path)
);

-- Published versions; the primary key is what makes two concurrent publishes end with one winner.
CREATE TABLE versions (
  model           TEXT NOT NULL REFERENCES models(name),
  version         TEXT NOT NULL,
  manifest_sha256 TEXT NOT NULL,
  manifest_size   INTEGER NOT NULL,
  published_at    TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  PRIMARY KEY (model, version)
);
CREATE INDEX versions_latest ON versions (model, seq DESC);

CREATE TABLE files (
  model   TEXT NOT NULL,
  version TEXT NOT NULL,
  path    TEXT NOT NULL,
  sha256  TEXT NOT NULL,
  size    INTEGER NOT NULL,
  PRIMARY KEY (model, version, path),
  FOREIGN KEY (model, version) REFERENCES versions(model, version)
);

-- One row per ONNX file of a version: its transformers.js dtype and what the decoder found in it.
CREATE TABLE variants (
  model       TEXT NOT NULL,
  version     TEXT NOT NULL,
  path        TEXT NOT NULL,
  dtype       TEXT NOT NULL,
  ir_version  INTEGER NOT NULL,
  opsets      TEXT NOT NULL,
  inputs      TEXT NOT NULL,
  outputs     TEXT NOT NULL,
  PRIMARY KEY (model, version, path),
  FOREIGN KEY (model, version) REFERENCES versions(model, version)
);
