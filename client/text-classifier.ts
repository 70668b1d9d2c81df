// A text classifier over an onnxruntime session: tokenizers.js in, labels and scores out.
// It takes the onnxruntime module as an argument (node, web or the Worker's wasm build all share
// onnxruntime-common's API), so the same code serves in Node, in the browser and inside workerd.
import type { InferenceSession, Tensor, TypedTensor } from "onnxruntime-common";
import { type BatchOptions, encoderBatcher } from "./encoder-batch.ts";

export interface OrtModule {
  Tensor: typeof Tensor;
}

export interface TextClassifierOptions {
  ort: OrtModule;
  session: InferenceSession;
  tokenizerJson: object;
  tokenizerConfig: object;
  /** Labels by class index, e.g. from config.json's id2label. */
  labels: readonly string[];
  /** Longer inputs are truncated to this many tokens, keeping the final special token. */
  maxLength: number;
}

export interface Prediction {
  label: string;
  score: number;
  scores: Record<string, number>;
}

export interface TextClassifier {
  /** Longer texts are cut to maxLength, or refused with TextTooLongError under `truncation: false`. */
  classify(texts: readonly string[], options?: BatchOptions): Promise<Prediction[]>;
  /** Tokens each text becomes, special tokens included, before any truncation. */
  tokenCount(text: string): number;
  readonly maxLength: number;
}

function softmax(logits: ArrayLike<number>): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const exps = Array.from(logits, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function createTextClassifier(options: TextClassifierOptions): TextClassifier {
  const { ort, session, labels, maxLength } = options;
  const encoder = encoderBatcher(ort, session, options.tokenizerJson, options.tokenizerConfig, maxLength);
  const outputName = session.outputNames.includes("logits") ? "logits" : (session.outputNames[0] as string);

  return {
    maxLength,
    tokenCount: encoder.tokenCount,
    async classify(texts, options) {
      if (texts.length === 0) return [];
      const { rows: encoded, feeds } = encoder.batch(texts, options);
      const outputs = await session.run(feeds);
      const logits = outputs[outputName] as TypedTensor<"float32">;
      const classes = logits.dims[1] ?? 0;
      return encoded.map((_, r) => {
        const probs = softmax(logits.data.subarray(r * classes, (r + 1) * classes));
        let best = 0;
        for (let k = 1; k < probs.length; k++) if ((probs[k] as number) > (probs[best] as number)) best = k;
        const scores = Object.fromEntries(probs.map((p, k) => [labels[k] ?? String(k), p]));
        return { label: labels[best] ?? String(best), score: probs[best] as number, scores };
      });
    },
  };
}
