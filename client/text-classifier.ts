// A text classifier over an onnxruntime session: tokenizers.js in, labels and scores out.
// It takes the onnxruntime module as an argument (node, web or the Worker's wasm build all share
// onnxruntime-common's API), so the same code serves in Node, in the browser and inside workerd.
import { Tokenizer } from "@huggingface/tokenizers";
import type { InferenceSession, Tensor, TypedTensor } from "onnxruntime-common";

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
  classify(texts: readonly string[]): Promise<Prediction[]>;
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

function truncate(ids: number[], maxLength: number): number[] {
  if (ids.length <= maxLength) return ids;
  return [...ids.slice(0, maxLength - 1), ids[ids.length - 1] as number];
}

export function createTextClassifier(options: TextClassifierOptions): TextClassifier {
  const { ort, session, labels, maxLength } = options;
  const tokenizer = new Tokenizer(options.tokenizerJson, options.tokenizerConfig);
  const padToken = (options.tokenizerConfig as { pad_token?: string }).pad_token ?? "[PAD]";
  const padId = tokenizer.token_to_id(padToken) ?? 0;
  const wantsTokenTypes = session.inputNames.includes("token_type_ids");
  const outputName = session.outputNames.includes("logits") ? "logits" : (session.outputNames[0] as string);

  return {
    maxLength,
    tokenCount: (text) => tokenizer.encode(text).ids.length,
    async classify(texts) {
      if (texts.length === 0) return [];
      const encoded = texts.map((t) => truncate(tokenizer.encode(t).ids, maxLength));
      const width = Math.max(...encoded.map((ids) => ids.length));
      const ids = new BigInt64Array(texts.length * width).fill(BigInt(padId));
      const mask = new BigInt64Array(texts.length * width);
      encoded.forEach((row, r) => {
        row.forEach((id, c) => {
          ids[r * width + c] = BigInt(id);
          mask[r * width + c] = 1n;
        });
      });
      const dims = [texts.length, width];
      const feeds: Record<string, Tensor> = {
        input_ids: new ort.Tensor("int64", ids, dims),
        attention_mask: new ort.Tensor("int64", mask, dims),
      };
      if (wantsTokenTypes)
        feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(ids.length), dims);
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
