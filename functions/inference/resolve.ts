// Which model file a request runs: the model must exist, the version is the requested one (else the
// latest published), the variant the requested dtype (else fp32, else the first). Each miss is a 404 that
// says what there is instead. Which manifest the version has now comes from the registry (one D1
// query), remembered per isolate for a moment (registry/model-version-cache.ts: this isolate's writes
// are seen at once, other isolates' within its TTL); the manifest itself is content-addressed and
// parsed once per isolate (manifest-cache.ts).
import { modelNotFound, versionNotFound } from "../auth/access.ts";
import type { Env } from "../env.ts";
import { getModelVersion } from "../registry/db.ts";
import { cachedModelVersion, registryCacheTtl } from "../registry/model-version-cache.ts";
import { parseParam, VersionName } from "../registry/names.ts";
import type { Manifest, ManifestVariant } from "../schemas.ts";
import { chooseVariant } from "./loaded-model.ts";
import { cachedManifest } from "./manifest-cache.ts";
import { timed } from "./server-timing.ts";

export interface ResolvedVariant {
  manifest: Manifest;
  variant: ManifestVariant;
  version: string;
}

export function resolveVariant(
  env: Env,
  name: string,
  requestedVersion: string | undefined,
  requestedVariant: string | undefined,
): Promise<ResolvedVariant> {
  return timed("resolve", async () => {
    const requested =
      requestedVersion === undefined ? undefined : parseParam(VersionName, "version", requestedVersion);
    const ttl = registryCacheTtl(env.EDGETUNE_REGISTRY_CACHE_MS);
    const { model, version } = await cachedModelVersion(name, requested, ttl, () =>
      getModelVersion(env.REGISTRY, name, requested),
    );
    if (!model) throw modelNotFound(name);
    if (!version) throw versionNotFound(name, requested);
    const manifest = await cachedManifest(
      env.ARTIFACTS,
      version.manifestSha256,
      `${name}@${version.version}`,
    );
    return { manifest, variant: chooseVariant(manifest, requestedVariant), version: version.version };
  });
}
