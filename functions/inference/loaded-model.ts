// A published version's model, assembled from its manifest for one task: the ONNX variant's session
// (shared through the session cache, which bounds the isolate's memory by model bytes), the tokenizer
// files and config.json. Assembled models are kept per isolate by task and the sha256 of every file
// they read: building a tokenizer costs more than a small run. The keep-list is small and LRU-ordered;
// an evicted entry only drops its tokenizer, the session stays under the session cache's own bound.
// Sessions come wrapped so their runs show in the request's Server-Timing (server-timing.ts); a model
// built for the request also shows its parts: load-read (R2 reads), load-session (ORT's wasm instance on
// the isolate's first session, and the session) and load-build (tokenizer and model object).

import type { InferenceSession } from "onnxruntime-common";
import { createFeatureExtractor, type FeatureExtractor } from "../../client/feature-extractor.ts";
import { createTextClassifier, type TextClassifier } from "../../client/index.ts";
import { createTextGenerator, type TextGenerator } from "../../client/text-generator.ts";
import { WASM_SESSION_OPTIONS } from "../../client/wasm-session-options.ts";
import { Problem } from "../problem.ts";
import type { Manifest, ManifestVariant } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { onnxRuntime } from "./runtime.ts";
import { timed, timedRuns } from "./server-timing.ts";
import { SessionCache } from "./session-cache.ts";
import { assertNotMaskedLm } from "./text-generator-check.ts";

const sessions = new SessionCache({
  create: async (bytes) =>
    timedRuns(
      await timed("load-session", () => onnxRuntime().InferenceSession.create(bytes, WASM_SESSION_OPTIONS)),
    ),
});
const assembled = new Map<string, Promise<unknown>>();
const MAX_ASSEMBLED = 16;

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

function readBlob(bucket: R2Bucket, sha256: string): Promise<Uint8Array> {
  return timed("load-read", async () => {
    const object = await bucket.get(blobKey(sha256));
    if (!object) throw new Error(`blob ${sha256} is missing from the artifact store`);
    return new Uint8Array(await object.arrayBuffer());
  });
}

const NEEDED_BY = {
  classifier: "text classification",
  generator: "text generation",
  extractor: "feature extraction",
} as const;

function fileSha(manifest: Manifest, path: string, kind: keyof typeof NEEDED_BY): string {
  const file = manifest.files.find((f) => f.path === path);
  if (!file) {
    throw new Problem({
      status: 422,
      slug: kind === "classifier" ? "not-a-text-classifier" : "missing-model-file",
      title: "Unprocessable Content",
      detail: `${manifest.name}@${manifest.version} has no ${path}, which ${NEEDED_BY[kind]} needs`,
      extra: { missing: path },
    });
  }
  return file.sha256;
}

/** The variant's session, from the per-isolate cache. */
export function loadSession(bucket: R2Bucket, variant: ManifestVariant): Promise<InferenceSession> {
  return timed("load", () => sessions.get(variant.sha256, () => readBlob(bucket, variant.sha256)));
}

interface TextModelFiles {
  session: InferenceSession;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** Builds (once per isolate and set of files) a text model of one kind from the version's files. */
function assemble<T>(
  bucket: R2Bucket,
  manifest: Manifest,
  variant: ManifestVariant,
  kind: keyof typeof NEEDED_BY,
  build: (files: TextModelFiles) => T,
): Promise<T> {
  const shas = ["tokenizer.json", "tokenizer_config.json", "config.json"].map((p) =>
    fileSha(manifest, p, kind),
  );
  const key = [kind, variant.sha256, ...shas].join(":");
  const hit = assembled.get(key);
  if (hit) {
    assembled.delete(key);
    assembled.set(key, hit);
    return timed("load", () => hit as Promise<T>);
  }
  const made = (async () => {
    const json = async (sha: string) =>
      JSON.parse(new TextDecoder().decode(await readBlob(bucket, sha))) as Record<string, unknown>;
    const [tokenizerJson, tokenizerConfig, config] = await Promise.all(shas.map(json));
    const session = await sessions.get(variant.sha256, () => readBlob(bucket, variant.sha256));
    return timed("load-build", () =>
      build({
        session,
        tokenizerJson: tokenizerJson as Record<string, unknown>,
        tokenizerConfig: tokenizerConfig as Record<string, unknown>,
        config: config as Record<string, unknown>,
      }),
    );
  })();
  if (assembled.size >= MAX_ASSEMBLED) assembled.delete(assembled.keys().next().value as string);
  assembled.set(key, made);
  made.catch(() => assembled.delete(key));
  return timed("load", () => made);
}

/** What the model was trained to read (transformers' model_max_length), within its positions. */
function maxLengthOf(tokenizerConfig: Record<string, unknown>, config: Record<string, unknown>): number {
  return Math.min(
    Number(tokenizerConfig.model_max_length ?? Number.POSITIVE_INFINITY),
    Number(config.max_position_embeddings ?? 512),
  );
}

export function loadClassifier(
  bucket: R2Bucket,
  manifest: Manifest,
  variant: ManifestVariant,
): Promise<TextClassifier> {
  return assemble(
    bucket,
    manifest,
    variant,
    "classifier",
    ({ session, tokenizerJson, tokenizerConfig, config }) => {
      const id2label = (config.id2label ?? {}) as Record<string, string>;
      const labels = Object.keys(id2label)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => id2label[k] as string);
      return createTextClassifier({
        ort: onnxRuntime(),
        session,
        tokenizerJson,
        tokenizerConfig,
        labels,
        maxLength: maxLengthOf(tokenizerConfig, config),
      });
    },
  );
}

/** The generator and the tokenizer config (its chat_template) of a causal LM. */
export function loadGenerator(
  bucket: R2Bucket,
  manifest: Manifest,
  variant: ManifestVariant,
): Promise<{ generator: TextGenerator; tokenizerConfig: Record<string, unknown> }> {
  return assemble(
    bucket,
    manifest,
    variant,
    "generator",
    ({ session, tokenizerJson, tokenizerConfig, config }) => {
      assertNotMaskedLm(manifest, variant, config);
      return {
        generator: createTextGenerator({
          ort: onnxRuntime(),
          session,
          tokenizerJson,
          tokenizerConfig,
          config,
        }),
        tokenizerConfig,
      };
    },
  );
}

export function loadFeatureExtractor(
  bucket: R2Bucket,
  manifest: Manifest,
  variant: ManifestVariant,
): Promise<FeatureExtractor> {
  return assemble(
    bucket,
    manifest,
    variant,
    "extractor",
    ({ session, tokenizerJson, tokenizerConfig, config }) =>
      createFeatureExtractor({
        ort: onnxRuntime(),
        session,
        tokenizerJson,
        tokenizerConfig,
        maxLength: maxLengthOf(tokenizerConfig, config),
      }),
  );
}
