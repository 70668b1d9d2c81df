// Feature extraction for `POST /v1/models/{name}/infer`: one embedding per text from an encoder, pooled
// (mean or CLS) unless the model has a sentence_embedding output, optionally L2-normalized. Texts longer
// than the model reads are refused unless truncation is asked for, as in classification.
import type { Env } from "../env.ts";
import { loadFeatureExtractor } from "./loaded-model.ts";
import { resolveVariant } from "./resolve.ts";
import type { FeatureExtractionRequest, FeatureExtractionResponse } from "./schemas.ts";
import { refusingLongTexts } from "./text-too-long.ts";

export async function embed(
  env: Env,
  name: string,
  r: FeatureExtractionRequest,
): Promise<FeatureExtractionResponse> {
  const { manifest, variant, version } = await resolveVariant(env, name, r.version, r.variant);
  const extractor = await loadFeatureExtractor(env.ARTIFACTS, manifest, variant);
  const texts = r.texts ?? [r.text as string];
  const options = { pooling: r.pooling, normalize: r.normalize, truncation: r.truncation === true };
  const embeddings = await refusingLongTexts(name, () => extractor.embed(texts, options));
  return {
    model: name,
    version,
    variant: variant.dtype,
    task: "feature-extraction",
    pooling: extractor.outputName === "sentence_embedding" ? "model" : r.pooling,
    normalized: r.normalize,
    dims: embeddings[0]?.length ?? 0,
    embeddings,
  };
}
