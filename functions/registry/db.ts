// The registry's queries (schema in functions/migrations). Visibility rule: a version is published
// once its `versions` row exists; that row, its files and variants, and the removal of its staging
// rows are written by one D1 batch (a single transaction). The batch inserts the version only if the
// staging rows are exactly the ones validated, and every other statement of the batch applies only
// when that insert happened, so a publish that lost a race (or saw staging change under it) writes
// nothing.
import type { ManifestFile, ManifestVariant } from "../schemas.ts";
import { forgetModel } from "./model-version-cache.ts";

export interface ModelRow {
  name: string;
  public: boolean;
}

export interface FileRow {
  sha256: string;
  size: number;
}

export interface VersionRow {
  version: string;
  manifestSha256: string;
  manifestSize: number;
}

const now = () => new Date().toISOString();

/** Records an uploaded file in staging; false when the version is already published. */
export async function stageFile(
  db: D1Database,
  model: string,
  version: string,
  file: ManifestFile,
): Promise<boolean> {
  const [, staged] = await db.batch([
    db
      .prepare("INSERT OR IGNORE INTO models (name, public, created_at) VALUES (?1, 0, ?2)")
      .bind(model, now()),
    db
      .prepare(
        `INSERT INTO staged_files (model, version, path, sha256, size, uploaded_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6
         WHERE NOT EXISTS (SELECT 1 FROM versions WHERE model = ?1 AND version = ?2)
         ON CONFLICT (model, version, path) DO UPDATE
           SET sha256 = excluded.sha256, size = excluded.size, uploaded_at = excluded.uploaded_at`,
      )
      .bind(model, version, file.path, file.sha256, file.size, now()),
  ]);
  return (staged?.meta.changes ?? 0) > 0;
}

export async function isPublished(db: D1Database, model: string, version: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM versions WHERE model = ?1 AND version = ?2")
    .bind(model, version)
    .first();
  return row !== null;
}

/** The staged files (sorted by path) and whether the version is published, read in one transaction. */
export async function readStaging(
  db: D1Database,
  model: string,
  version: string,
): Promise<{ published: boolean; files: ManifestFile[] }> {
  const [published, files] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT 1 AS x FROM versions WHERE model = ?1 AND version = ?2").bind(model, version),
    db
      .prepare("SELECT path, sha256, size FROM staged_files WHERE model = ?1 AND version = ?2 ORDER BY path")
      .bind(model, version),
  ]);
  return {
    published: (published?.results.length ?? 0) > 0,
    files: (files?.results ?? []) as unknown as ManifestFile[],
  };
}

/** "path:sha256,..." in path order: what publish validated, compared again inside the transaction. */
export function stagingFingerprint(files: readonly ManifestFile[]): string {
  return files.map((f) => `${f.path}:${f.sha256}`).join(",");
}

export class PublishConflict extends Error {}

/**
 * Makes the version visible: one transaction. Throws PublishConflict when the version was published
 * meanwhile, or its staging changed since `files` were read; nothing is written then.
 */
export async function commitVersion(
  db: D1Database,
  publish: {
    model: string;
    version: string;
    files: readonly ManifestFile[];
    variants: readonly ManifestVariant[];
    manifestSha256: string;
    manifestSize: number;
    publishedAt: string;
    public?: boolean;
  },
): Promise<void> {
  const { model, version } = publish;
  // Every later statement applies only if the first one inserted this publish's own row.
  const mine = `EXISTS (SELECT 1 FROM versions WHERE model = ?1 AND version = ?2 AND manifest_sha256 = ?3 AND published_at = ?4)`;
  const ours = [model, version, publish.manifestSha256, publish.publishedAt] as const;
  const statements = [
    db
      .prepare(
        `INSERT INTO versions (model, version, manifest_sha256, manifest_size, published_at, seq)
         SELECT ?1, ?2, ?3, ?5, ?4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE model = ?1)
         WHERE (SELECT COALESCE(group_concat(entry, ','), '') FROM
                 (SELECT path || ':' || sha256 AS entry FROM staged_files
                  WHERE model = ?1 AND version = ?2 ORDER BY path)) = ?6`,
      )
      .bind(...ours, publish.manifestSize, stagingFingerprint(publish.files)),
    db
      .prepare(
        `INSERT INTO files (model, version, path, sha256, size)
         SELECT ?1, ?2, value ->> 'path', value ->> 'sha256', value ->> 'size' FROM json_each(?5) WHERE ${mine}`,
      )
      .bind(...ours, JSON.stringify(publish.files)),
    db
      .prepare(
        `INSERT INTO variants (model, version, path, dtype, ir_version, opsets, inputs, outputs)
         SELECT ?1, ?2, value ->> 'path', value ->> 'dtype', value ->> 'irVersion',
                json(value -> 'opsets'), json(value -> 'inputs'), json(value -> 'outputs')
         FROM json_each(?5) WHERE ${mine}`,
      )
      .bind(...ours, JSON.stringify(publish.variants)),
    db.prepare(`DELETE FROM staged_files WHERE model = ?1 AND version = ?2 AND ${mine}`).bind(...ours),
  ];
  if (publish.public !== undefined) {
    statements.push(
      db
        .prepare(`UPDATE models SET public = ?5 WHERE name = ?1 AND ${mine}`)
        .bind(...ours, publish.public ? 1 : 0),
    );
  }
  let inserted: number;
  try {
    const [first] = await db.batch(statements);
    inserted = first?.meta.changes ?? 0;
  } catch (err) {
    // Two identical manifests published in the same millisecond: the loser's row collides.
    const message = err instanceof Error ? err.message : String(err);
    if (/UNIQUE constraint failed/.test(message)) throw new PublishConflict(message);
    throw err;
  }
  if (inserted === 0)
    throw new PublishConflict("the version was published, or its staging changed, meanwhile");
  forgetModel(model);
}

export async function getModel(db: D1Database, name: string): Promise<ModelRow | null> {
  const row = await db
    .prepare("SELECT name, public FROM models WHERE name = ?1")
    .bind(name)
    .first<{ name: string; public: number }>();
  return row && { name: row.name, public: row.public === 1 };
}

/** A published version (the latest when `version` is undefined), or null. */
export async function getVersion(
  db: D1Database,
  model: string,
  version?: string,
): Promise<VersionRow | null> {
  const query =
    version === undefined
      ? db
          .prepare(
            "SELECT version, manifest_sha256, manifest_size FROM versions WHERE model = ?1 ORDER BY seq DESC LIMIT 1",
          )
          .bind(model)
      : db
          .prepare(
            "SELECT version, manifest_sha256, manifest_size FROM versions WHERE model = ?1 AND version = ?2",
          )
          .bind(model, version);
  const row = await query.first<{ version: string; manifest_sha256: string; manifest_size: number }>();
  return (
    row && { version: row.version, manifestSha256: row.manifest_sha256, manifestSize: row.manifest_size }
  );
}

/**
 * A model and one of its published versions (the latest when `version` is undefined) in one query, for
 * the read paths that need both (inference resolves them on every request): `model` is null when the
 * model does not exist, `version` null when it has no such published version.
 */
export async function getModelVersion(
  db: D1Database,
  model: string,
  version?: string,
): Promise<{ model: ModelRow | null; version: VersionRow | null }> {
  const row = await db
    .prepare(
      `SELECT m.name, m.public, v.version, v.manifest_sha256, v.manifest_size
       FROM models m LEFT JOIN versions v ON v.model = m.name AND (?2 IS NULL OR v.version = ?2)
       WHERE m.name = ?1 ORDER BY v.seq DESC LIMIT 1`,
    )
    .bind(model, version ?? null)
    .first<{
      name: string;
      public: number;
      version: string | null;
      manifest_sha256: string | null;
      manifest_size: number | null;
    }>();
  if (!row) return { model: null, version: null };
  return {
    model: { name: row.name, public: row.public === 1 },
    version:
      row.version === null
        ? null
        : {
            version: row.version,
            manifestSha256: row.manifest_sha256 as string,
            manifestSize: row.manifest_size as number,
          },
  };
}

export async function getFile(
  db: D1Database,
  model: string,
  version: string,
  path: string,
): Promise<FileRow | null> {
  return db
    .prepare("SELECT sha256, size FROM files WHERE model = ?1 AND version = ?2 AND path = ?3")
    .bind(model, version, path)
    .first<FileRow>();
}
