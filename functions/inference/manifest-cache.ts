// Parsed manifests kept per isolate, keyed by the manifest blob's sha256. A manifest blob is
// content-addressed, so an entry never goes stale: a new version, or variants added to a version, give
// the version row a new manifest hash, which the per-request registry lookup (D1) still reads. What the
// cache saves per request is the R2 read, the JSON parse and the zod parse of the whole manifest
// (files, variants and their reports). Small and LRU-ordered; concurrent misses share one read.
import { Manifest } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";

const MAX_MANIFESTS = 64;
const manifests = new Map<string, Promise<Manifest>>();

/** The manifest stored as blob `sha256`; `what` names it in the error when the blob is missing. */
export function cachedManifest(bucket: R2Bucket, sha256: string, what: string): Promise<Manifest> {
  const hit = manifests.get(sha256);
  if (hit) {
    manifests.delete(sha256);
    manifests.set(sha256, hit);
    return hit;
  }
  const read = (async () => {
    const object = await bucket.get(blobKey(sha256));
    if (!object) throw new Error(`manifest of ${what} is missing`);
    return Manifest.parse(await object.json());
  })();
  if (manifests.size >= MAX_MANIFESTS) manifests.delete(manifests.keys().next().value as string);
  manifests.set(sha256, read);
  read.catch(() => manifests.delete(sha256));
  return read;
}
