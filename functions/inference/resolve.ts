// Which model file a request runs: the model must exist, the version is the requested one (else the
// latest published), the variant the requested dtype (else fp32, else the first). Each miss is a 404 that
// says what there is instead.
import { modelNotFound } from "../auth/access.ts";
import type { Env } from "../env.ts";
import { Problem } from "../problem.ts";
import { getModel, getVersion } from "../registry/db.ts";
import { parseParam, VersionName } from "../registry/names.ts";
import { Manifest, type ManifestVariant } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { chooseVariant } from "./loaded-model.ts";

export interface ResolvedVariant {
  manifest: Manifest;
  variant: ManifestVariant;
  version: string;
}

export async function resolveVariant(
  env: Env,
  name: string,
  requestedVersion: string | undefined,
  requestedVariant: string | undefined,
): Promise<ResolvedVariant> {
  if (!(await getModel(env.REGISTRY, name))) throw modelNotFound(name);
  const requested =
    requestedVersion === undefined ? undefined : parseParam(VersionName, "version", requestedVersion);
  const version = await getVersion(env.REGISTRY, name, requested);
  if (!version) {
    throw new Problem({
      status: 404,
      slug: "version-not-found",
      title: "Not Found",
      detail: requested
        ? `${name} has no published version ${requested}`
        : `${name} has no published version yet`,
    });
  }
  const manifestObject = await env.ARTIFACTS.get(blobKey(version.manifestSha256));
  if (!manifestObject) throw new Error(`manifest of ${name}@${version.version} is missing`);
  const manifest = Manifest.parse(await manifestObject.json());
  return { manifest, variant: chooseVariant(manifest, requestedVariant), version: version.version };
}
