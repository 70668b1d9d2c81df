// Publish-time checks of the files staged for a version: every file the publisher names (and
// config.json) is there, each ONNX file decodes with compression's decoder and its external data
// files are staged and long enough, and each JSON file parses to an object. Files are read one at a
// time so memory stays bounded by the largest file. Every problem found is reported, not only the first.
import { decodeModel, externalRefs, modelSummary, OnnxIoError } from "../../compression/index.ts";
import { Problem } from "../problem.ts";
import type { ManifestFile, ManifestVariant } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";

/** Files every version has (the checkpoint layout the trainer writes, minimally). */
export const ALWAYS_REQUIRED = ["config.json"];

// transformers.js names an ONNX file `<graph><dtype suffix>.onnx` (utils/dtypes.js,
// DEFAULT_DTYPE_SUFFIX_MAPPING): fp32 has no suffix; the graph part (model, decoder_model_merged,
// encoder_model, decoder_with_past_model, model_with_past, ...) says which graph, never a precision.
const DTYPE_SUFFIXES: Record<string, string> = {
  fp16: "fp16",
  quantized: "q8",
  int8: "int8",
  uint8: "uint8",
  q4: "q4",
  q4f16: "q4f16",
  bnb4: "bnb4",
};
const DTYPE_SUFFIX = new RegExp(`^(.+)_(${Object.keys(DTYPE_SUFFIXES).join("|")})$`);

/** Graph names that begin like edgetune's own variants (`model_<variant>`) but name a graph:
 * model_with_past is the decoder with past_key_values that onnxruntime's large-model exporter (and
 * scripts/fixtures/make_inference_fixtures.py) writes. */
const MODEL_GRAPHS = new Set(["model", "model_with_past"]);

/**
 * The dtype of an ONNX file, from its name: transformers.js's suffix (model_q4.onnx → q4,
 * decoder_model_merged_quantized.onnx → q8, model_with_past.onnx → fp32), else edgetune's own
 * variant named by what follows `model_`, underscores read as dashes (model_pruned50.onnx →
 * pruned50, model_static_int8.onnx → static-int8, the name of the recipe that writes it).
 */
export function dtypeOf(path: string): string {
  const base = (path.split("/").pop() ?? path).replace(/\.onnx$/, "");
  const suffixed = DTYPE_SUFFIX.exec(base);
  const graph = suffixed?.[1] ?? base;
  if (MODEL_GRAPHS.has(graph) || !graph.startsWith("model_")) {
    return suffixed ? (DTYPE_SUFFIXES[suffixed[2] as string] as string) : "fp32";
  }
  return base.slice("model_".length).replaceAll("_", "-");
}

export interface FileError {
  path: string;
  error: string;
}

export interface ValidatedVersion {
  files: ManifestFile[];
  variants: ManifestVariant[];
}

function folderOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i + 1);
}

/** A staged file whose bytes are gone: the server's fault (500), not the publisher's. */
class BlobMissingError extends Error {}

async function readBlob(bucket: R2Bucket, file: ManifestFile): Promise<R2ObjectBody> {
  const object = await bucket.get(blobKey(file.sha256));
  if (!object) throw new BlobMissingError(`blob ${file.sha256} of ${file.path} is missing from R2`);
  return object;
}

async function checkOnnx(
  bucket: R2Bucket,
  file: ManifestFile,
  staged: ReadonlyMap<string, ManifestFile>,
): Promise<ManifestVariant> {
  const bytes = new Uint8Array(await (await readBlob(bucket, file)).arrayBuffer());
  const model = decodeModel(bytes);
  const summary = modelSummary(model);
  for (const ref of externalRefs(model)) {
    const location = folderOf(file.path) + ref.location;
    const data = staged.get(location);
    if (!data)
      throw new OnnxIoError("external-data-missing", `its external data file ${location} was not uploaded`);
    if (ref.offset + ref.length > data.size) {
      throw new OnnxIoError(
        "external-data-out-of-range",
        `tensor ${JSON.stringify(ref.tensor)} reads bytes ${ref.offset}–${ref.offset + ref.length} of ${location}, which has ${data.size}`,
      );
    }
  }
  return {
    dtype: dtypeOf(file.path),
    path: file.path,
    sha256: file.sha256,
    size: file.size,
    irVersion: summary.irVersion,
    opsets: summary.opsets,
    inputs: summary.inputs,
    outputs: summary.outputs,
  };
}

async function checkJson(bucket: R2Bucket, file: ManifestFile): Promise<void> {
  const text = await (await readBlob(bucket, file)).text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("must be a JSON object");
  }
}

/**
 * Validates the staged files (sorted by path) or throws a 422 Problem listing what is missing or
 * broken. `required` are the paths the publisher says the version must have.
 */
export async function validateVersion(
  bucket: R2Bucket,
  staged: readonly ManifestFile[],
  required: readonly string[],
): Promise<ValidatedVersion> {
  const byPath = new Map(staged.map((f) => [f.path, f]));
  const missing = [...new Set([...ALWAYS_REQUIRED, ...required])].filter((p) => !byPath.has(p)).sort();
  const onnxFiles = staged.filter((f) => f.path.endsWith(".onnx"));
  if (missing.length > 0 || onnxFiles.length === 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing file(s): ${missing.join(", ")}`);
    if (onnxFiles.length === 0) parts.push("no ONNX model (e.g. onnx/model.onnx)");
    throw new Problem({
      status: 422,
      slug: "missing-files",
      title: "Unprocessable Content",
      detail: `Cannot publish: ${parts.join("; ")}. Upload with PUT .../files/{path} first`,
      extra: { missing, uploaded: staged.map((f) => f.path) },
    });
  }

  const variants: ManifestVariant[] = [];
  const errors: FileError[] = [];
  for (const file of staged) {
    try {
      if (file.path.endsWith(".onnx")) variants.push(await checkOnnx(bucket, file, byPath));
      else if (file.path.endsWith(".json")) await checkJson(bucket, file);
    } catch (err) {
      if (err instanceof BlobMissingError || !(err instanceof Error)) throw err;
      errors.push({ path: file.path, error: err.message });
    }
  }
  if (errors.length > 0) {
    throw new Problem({
      status: 422,
      slug: "invalid-files",
      title: "Unprocessable Content",
      detail: `Cannot publish: ${errors.map((e) => `${e.path}: ${e.error}`).join("; ")}`,
      extra: { errors },
    });
  }
  return { files: [...staged], variants };
}
