// Adds compressed variants to a published version. The new manifest (old files and variants plus
// the new ones) is written as a blob first; then one D1 batch swaps the version's manifest hash and
// inserts the rows, guarded on the hash it started from, so two jobs finishing at once cannot lose
// each other's variants: the second one's batch changes nothing and it retries on the fresh manifest.
import { bytesToHex } from "../auth/tokens.ts";
import { conform } from "../conform.ts";
import { forgetModel } from "../registry/model-version-cache.ts";
import { Manifest, type ManifestFile, type ManifestVariant } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";

export interface NewVariant {
  file: ManifestFile;
  variant: ManifestVariant;
}

async function readManifest(bucket: R2Bucket, sha256: string): Promise<Manifest> {
  const object = await bucket.get(blobKey(sha256));
  if (!object) throw new Error(`manifest blob ${sha256} is missing`);
  return Manifest.parse(await object.json());
}

function merged<T extends { path: string }>(old: readonly T[], added: readonly T[]): T[] {
  const paths = new Set(added.map((a) => a.path));
  return [...old.filter((o) => !paths.has(o.path)), ...added].sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function addVariants(
  env: { ARTIFACTS: R2Bucket; REGISTRY: D1Database },
  model: string,
  version: string,
  added: readonly NewVariant[],
  attempts = 5,
): Promise<{ manifestSha256: string; manifest: Manifest }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const row = await env.REGISTRY.prepare(
      "SELECT manifest_sha256 FROM versions WHERE model = ?1 AND version = ?2",
    )
      .bind(model, version)
      .first<{ manifest_sha256: string }>();
    if (!row) throw new Error(`${model}@${version} is not published`);
    const current = await readManifest(env.ARTIFACTS, row.manifest_sha256);
    const manifest = conform(Manifest, {
      ...current,
      files: merged(
        current.files,
        added.map((a) => a.file),
      ),
      variants: merged(
        current.variants,
        added.map((a) => a.variant),
      ),
    });
    const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
    const sha = bytesToHex(await crypto.subtle.digest("SHA-256", bytes));
    await env.ARTIFACTS.put(blobKey(sha), bytes, {
      sha256: sha,
      httpMetadata: { contentType: "application/json" },
    });
    const guard =
      "EXISTS (SELECT 1 FROM versions WHERE model = ?1 AND version = ?2 AND manifest_sha256 = ?3)";
    const [swap] = await env.REGISTRY.batch([
      env.REGISTRY.prepare(
        "UPDATE versions SET manifest_sha256 = ?3, manifest_size = ?5 WHERE model = ?1 AND version = ?2 AND manifest_sha256 = ?4",
      ).bind(model, version, sha, row.manifest_sha256, bytes.byteLength),
      env.REGISTRY.prepare(
        `INSERT OR REPLACE INTO files (model, version, path, sha256, size)
         SELECT ?1, ?2, value ->> 'path', value ->> 'sha256', value ->> 'size' FROM json_each(?4) WHERE ${guard}`,
      ).bind(model, version, sha, JSON.stringify(added.map((a) => a.file))),
      env.REGISTRY.prepare(
        `INSERT OR REPLACE INTO variants (model, version, path, dtype, ir_version, opsets, inputs, outputs)
         SELECT ?1, ?2, value ->> 'path', value ->> 'dtype', value ->> 'irVersion',
                json(value -> 'opsets'), json(value -> 'inputs'), json(value -> 'outputs')
         FROM json_each(?4) WHERE ${guard}`,
      ).bind(model, version, sha, JSON.stringify(added.map((a) => a.variant))),
    ]);
    if ((swap?.meta.changes ?? 0) > 0) {
      forgetModel(model);
      return { manifestSha256: sha, manifest };
    }
  }
  throw new Error(`could not add variants to ${model}@${version}: its manifest kept changing`);
}
