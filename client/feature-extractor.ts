// Sentence embeddings from an encoder's onnxruntime session: tokenizers.js in, one vector per text out.
// A model that already has a `sentence_embedding` output (sentence-transformers exports) is used as is;
// otherwise its token vectors (last_hidden_state) are pooled: the mean over the text's real tokens
// (padding masked out, as sentence-transformers does) or the first ([CLS]) token. Optionally
// L2-normalized, for cosine similarity by dot product.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { type BatchOptions, encoderBatcher } from "./encoder-batch.ts";
import type { OrtModule } from "./text-classifier.ts";

export type Pooling = "mean" | "cls";

export interface FeatureExtractorOptions {
  ort: OrtModule;
  session: InferenceSession;
  tokenizerJson: object;
  tokenizerConfig: object;
  /** Longer inputs are truncated to this many tokens, keeping the final special token. */
  maxLength: number;
}

export interface EmbedOptions extends BatchOptions {
  pooling?: Pooling;
  normalize?: boolean;
}

export interface FeatureExtractor {
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
  tokenCount(text: string): number;
  readonly maxLength: number;
  /** "sentence_embedding" when the model pools itself, else the token output pooled here. */
  readonly outputName: string;
}

function l2normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

export function createFeatureExtractor(options: FeatureExtractorOptions): FeatureExtractor {
  const { ort, session, maxLength } = options;
  const encoder = encoderBatcher(ort, session, options.tokenizerJson, options.tokenizerConfig, maxLength);
  const outputName = session.outputNames.includes("sentence_embedding")
    ? "sentence_embedding"
    : session.outputNames.includes("last_hidden_state")
      ? "last_hidden_state"
      : (session.outputNames[0] as string);

  return {
    maxLength,
    outputName,
    tokenCount: encoder.tokenCount,
    async embed(texts, embedOptions = {}) {
      if (texts.length === 0) return [];
      const { rows: encoded, width, feeds } = encoder.batch(texts, embedOptions);
      const output = (await session.run(feeds))[outputName] as Tensor;
      const data = output.data as Float32Array;
      const hidden = output.dims[output.dims.length - 1] as number;
      const vectors = encoded.map((row, r) => {
        if (output.dims.length === 2) return Array.from(data.subarray(r * hidden, (r + 1) * hidden));
        const base = r * width * hidden;
        if (embedOptions.pooling === "cls") return Array.from(data.subarray(base, base + hidden));
        const sum = new Float64Array(hidden);
        for (let t = 0; t < row.length; t++) {
          for (let h = 0; h < hidden; h++)
            sum[h] = (sum[h] as number) + (data[base + t * hidden + h] as number);
        }
        return Array.from(sum, (s) => s / row.length);
      });
      return embedOptions.normalize ? vectors.map(l2normalize) : vectors;
    },
  };
}
