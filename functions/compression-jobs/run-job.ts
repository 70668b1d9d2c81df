// The Queue consumer's work for one compression job, inside the Worker: read the version's ONNX
// from R2, run each recipe's passes (the same modules the CLI runs), store every output as a
// content-addressed blob, then add all variants to the version's manifest in one step. Events
// record each variant as it is made; any failure fails the job and adds nothing to the version.
import {
  decodeModel,
  encodeModel,
  externalRefs,
  modelSummary,
  parseRecipe,
  preset,
  type Recipe,
  resolveExternalData,
  runRecipe,
} from "../../compression/index.ts";
import { bytesToHex } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { addJobEvent, getJob, setJobStatus } from "../jobs/store.ts";
import { Manifest } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { addVariants, type NewVariant } from "./add-variants.ts";
import { CompressRequest } from "./schemas.ts";

export function recipesOf(request: CompressRequest): Recipe[] {
  return request.recipes.map((r) => (typeof r === "string" ? preset(r) : parseRecipe(r)));
}

async function blobBytes(bucket: R2Bucket, sha256: string): Promise<Uint8Array> {
  const object = await bucket.get(blobKey(sha256));
  if (!object) throw new Error(`blob ${sha256} is missing from the artifact store`);
  return new Uint8Array(await object.arrayBuffer());
}

async function sourceModelBytes(
  env: Env,
  model: string,
  version: string,
  source: string,
): Promise<Uint8Array> {
  const row = await env.REGISTRY.prepare(
    "SELECT manifest_sha256 FROM versions WHERE model = ?1 AND version = ?2",
  )
    .bind(model, version)
    .first<{ manifest_sha256: string }>();
  if (!row) throw new Error(`${model}@${version} is not published`);
  const manifest = Manifest.parse(
    JSON.parse(new TextDecoder().decode(await blobBytes(env.ARTIFACTS, row.manifest_sha256))),
  );
  const file = manifest.files.find((f) => f.path === source);
  if (!file) throw new Error(`${model}@${version} has no ${source}`);
  const bytes = await blobBytes(env.ARTIFACTS, file.sha256);
  const decoded = decodeModel(bytes);
  if (externalRefs(decoded).length === 0) return bytes;
  // external data sits beside the model in the version; inline it, since variants are stored whole
  const folder = source.includes("/") ? source.slice(0, source.lastIndexOf("/") + 1) : "";
  const cache = new Map<string, Uint8Array>();
  const resolved = await resolveExternalData(decoded, async (location, offset, length) => {
    const path = folder + location;
    let data = cache.get(path);
    if (!data) {
      const entry = manifest.files.find((f) => f.path === path);
      if (!entry) throw new Error(`external data ${path} of ${source} is not in the version`);
      data = await blobBytes(env.ARTIFACTS, entry.sha256);
      cache.set(path, data);
    }
    return data.subarray(offset, offset + length);
  });
  return encodeModel(resolved);
}

export async function runCompressionJob(env: Env, jobId: string): Promise<void> {
  const db = env.REGISTRY;
  const job = await getJob(db, jobId);
  if (!job || !(await setJobStatus(db, jobId, "running", { from: ["queued"] }))) return;
  await addJobEvent(db, jobId, "started");
  try {
    const request = CompressRequest.parse(job.request);
    const recipes = recipesOf(request);
    const source = await sourceModelBytes(env, job.model, job.version, request.source);
    const added: NewVariant[] = [];
    for (const recipe of recipes) {
      await addJobEvent(db, jobId, "variant.started", { name: recipe.name });
      const { model, steps } = await runRecipe(decodeModel(source), recipe);
      const bytes = encodeModel(model);
      const sha256 = bytesToHex(await crypto.subtle.digest("SHA-256", bytes));
      await env.ARTIFACTS.put(blobKey(sha256), bytes, { sha256 });
      const summary = modelSummary(model);
      const path = `onnx/${recipe.output}`;
      added.push({
        file: { path, sha256, size: bytes.byteLength },
        variant: {
          dtype: recipe.name,
          path,
          sha256,
          size: bytes.byteLength,
          irVersion: summary.irVersion,
          opsets: summary.opsets,
          inputs: summary.inputs,
          outputs: summary.outputs,
        },
      });
      await addJobEvent(db, jobId, "variant.done", {
        name: recipe.name,
        path,
        sha256,
        size: bytes.byteLength,
        sizeRatio: bytes.byteLength / source.byteLength,
        parameters: summary.parameterCount,
        steps,
      });
    }
    const { manifestSha256 } = await addVariants(env, job.model, job.version, added);
    const result = { manifestSha256, variants: added.map((a) => a.variant.dtype) };
    await setJobStatus(db, jobId, "succeeded", { from: ["running"], result });
    await addJobEvent(db, jobId, "succeeded", result);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await setJobStatus(db, jobId, "failed", { from: ["running"], error: message });
    await addJobEvent(db, jobId, "failed", { error: message });
  }
}
