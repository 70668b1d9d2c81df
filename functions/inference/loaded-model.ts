// A published version's classifier, assembled from its manifest: the ONNX variant's session (shared
// through the session cache), the tokenizer files and config.json's labels. Classifiers are kept per
// isolate by (variant sha256, tokenizer sha256): building a tokenizer costs more than a small run.
import { createTextClassifier, type TextClassifier } from "../../client/index.ts";
import { Problem } from "../problem.ts";
import type { Manifest, ManifestVariant } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { onnxRuntime } from "./runtime.ts";
import { SessionCache } from "./session-cache.ts";

const sessions = new SessionCache({ create: (bytes) => onnxRuntime().InferenceSession.create(bytes) });
const classifiers = new Map<string, Promise<TextClassifier>>();
const MAX_CLASSIFIERS = 16;

export function chooseVariant(manifest: Manifest, dtype: string | undefined): ManifestVariant {
  const wanted =
    dtype ?? (manifest.variants.some((v) => v.dtype === "fp32") ? "fp32" : manifest.variants[0]?.dtype);
  const variant = manifest.variants.find((v) => v.dtype === wanted);
  if (!variant) {
    throw new Problem({
      status: 404,
      slug: "variant-not-found",
      title: "Not Found",
      detail: `${manifest.name}@${manifest.version} has no variant ${JSON.stringify(wanted ?? "")}; it has: ${manifest.variants.map((v) => v.dtype).join(", ") || "none"}`,
      extra: { variants: manifest.variants.map((v) => v.dtype) },
    });
  }
  return variant;
}

async function readBlob(bucket: R2Bucket, sha256: string): Promise<Uint8Array> {
  const object = await bucket.get(blobKey(sha256));
  if (!object) throw new Error(`blob ${sha256} is missing from the artifact store`);
  return new Uint8Array(await object.arrayBuffer());
}

function fileSha(manifest: Manifest, path: string): string {
  const file = manifest.files.find((f) => f.path === path);
  if (!file) {
    throw new Problem({
      status: 422,
      slug: "not-a-text-classifier",
      title: "Unprocessable Content",
      detail: `${manifest.name}@${manifest.version} has no ${path}, which text classification needs`,
      extra: { missing: path },
    });
  }
  return file.sha256;
}

export async function loadClassifier(
  bucket: R2Bucket,
  manifest: Manifest,
  variant: ManifestVariant,
): Promise<TextClassifier> {
  const tokenizerSha = fileSha(manifest, "tokenizer.json");
  const tokenizerConfigSha = fileSha(manifest, "tokenizer_config.json");
  const configSha = fileSha(manifest, "config.json");
  const key = `${variant.sha256}:${tokenizerSha}:${tokenizerConfigSha}:${configSha}`;
  let classifier = classifiers.get(key);
  if (!classifier) {
    classifier = (async () => {
      const json = async (sha: string) =>
        JSON.parse(new TextDecoder().decode(await readBlob(bucket, sha))) as Record<string, unknown>;
      const [tokenizerJson, tokenizerConfig, config] = await Promise.all([
        json(tokenizerSha),
        json(tokenizerConfigSha),
        json(configSha),
      ]);
      const id2label = (config.id2label ?? {}) as Record<string, string>;
      const labels = Object.keys(id2label)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => id2label[k] as string);
      const session = await sessions.get(variant.sha256, () => readBlob(bucket, variant.sha256));
      // what the model was trained to read (transformers' model_max_length), within its positions
      const maxLength = Math.min(
        Number(tokenizerConfig.model_max_length ?? Number.POSITIVE_INFINITY),
        Number(config.max_position_embeddings ?? 512),
      );
      return createTextClassifier({
        ort: onnxRuntime(),
        session,
        tokenizerJson,
        tokenizerConfig,
        labels,
        maxLength,
      });
    })();
    if (classifiers.size >= MAX_CLASSIFIERS) classifiers.delete(classifiers.keys().next().value as string);
    classifiers.set(key, classifier);
    classifier.catch(() => classifiers.delete(key));
  }
  return classifier;
}
