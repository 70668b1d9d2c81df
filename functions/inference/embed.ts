// Feature extraction for `POST /v1/models/{name}/infer`: one embedding per text from an encoder, pooled
// (mean or CLS) unless the model has a sentence_embedding output, optionally L2-normalized. Texts longer
// than the model reads are refused unless truncation is asked for, as in classification.
import type { Env } from "../env.ts";
import { Problem } from "../problem.ts";
import { loadFeatureExtractor } from "./loaded-model.ts";
import { resolveVariant } from "./resolve.ts";
import type { FeatureExtractionRequest, FeatureExtractionResponse } from "./schemas.ts";

export async function embed(
  env: Env,
  name: string,
  r: FeatureExtractionRequest,
): Promise<FeatureExtractionResponse> {
  const { manifest, variant, version } = await resolveVariant(env, name, r.version, r.variant);
  const extractor = await loadFeatureExtractor(env.ARTIFACTS, manifest, variant);
  const texts = r.texts ?? [r.text as string];
  if (!r.truncation) {
    texts.forEach((text, index) => {
      const tokens = extractor.tokenCount(text);
      if (tokens > extractor.maxLength) {
        throw new Problem({
          status: 422,
          slug: "text-too-long",
          title: "Unprocessable Content",
          detail: `text ${index} is ${tokens} tokens; ${name} reads at most ${extractor.maxLength}. Shorten it or send "truncation": true`,
          extra: { index, tokens, maxTokens: extractor.maxLength },
        });
      }
    });
  }
  const embeddings = await extractor.embed(texts, { pooling: r.pooling, normalize: r.normalize });
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
