// Texts into a BERT-style encoder's feeds, as the text classifier and the feature extractor both need
// them: tokenized with tokenizers.js, cut to the model's length (keeping the final special token),
// padded to the longest text, with an attention mask and, where the model reads them, zero token types.
// Long texts are tokenized only as far as the model reads them, where that is exact (prefix-encode.ts).
import { Tokenizer } from "@huggingface/tokenizers";
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { encodeUpTo, isWordLocal } from "./prefix-encode.ts";
import type { OrtModule } from "./text-classifier.ts";

/** A text longer than the model reads, when truncation was not asked for. */
export class TextTooLongError extends Error {
  override name = "TextTooLongError";
  constructor(
    readonly index: number,
    readonly tokens: number,
    readonly maxTokens: number,
  ) {
    super(`text ${index} is ${tokens} tokens; the model reads at most ${maxTokens}`);
  }
}

export interface BatchOptions {
  /** true (the default): cut longer texts to the model's length; false: refuse them (TextTooLongError). */
  truncation?: boolean;
}

export interface EncoderBatcher {
  /** Tokens a text becomes, special tokens included, before any truncation. */
  tokenCount(text: string): number;
  /** Each text's token ids, truncated, and the feeds holding them padded to `width`. */
  batch(
    texts: readonly string[],
    options?: BatchOptions,
  ): { rows: number[][]; width: number; feeds: Record<string, Tensor> };
}

function truncate(ids: number[], maxLength: number): number[] {
  if (ids.length <= maxLength) return ids;
  return [...ids.slice(0, maxLength - 1), ids[ids.length - 1] as number];
}

export function encoderBatcher(
  ort: OrtModule,
  session: InferenceSession,
  tokenizerJson: object,
  tokenizerConfig: object,
  maxLength: number,
): EncoderBatcher {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const padToken = (tokenizerConfig as { pad_token?: string }).pad_token ?? "[PAD]";
  const padId = tokenizer.token_to_id(padToken) ?? 0;
  const wordLocal = isWordLocal(tokenizerJson);
  const tokenCount = (text: string) => tokenizer.encode(text).ids.length;
  return {
    tokenCount,
    batch(texts, options = {}) {
      const rows = texts.map((text, index) => {
        const { ids, complete } = encodeUpTo(tokenizer, text, maxLength, wordLocal);
        if (options.truncation === false && ids.length > maxLength)
          throw new TextTooLongError(index, complete ? ids.length : tokenCount(text), maxLength);
        return truncate(ids, maxLength);
      });
      const width = Math.max(...rows.map((ids) => ids.length));
      const ids = new BigInt64Array(texts.length * width).fill(BigInt(padId));
      const mask = new BigInt64Array(texts.length * width);
      rows.forEach((row, r) => {
        row.forEach((id, c) => {
          ids[r * width + c] = BigInt(id);
          mask[r * width + c] = 1n;
        });
      });
      const dims = [texts.length, width];
      const feeds: Record<string, Tensor> = { input_ids: new ort.Tensor("int64", ids, dims) };
      if (session.inputNames.includes("attention_mask")) {
        feeds.attention_mask = new ort.Tensor("int64", mask, dims);
      }
      if (session.inputNames.includes("token_type_ids")) {
        feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(ids.length), dims);
      }
      return { rows, width, feeds };
    },
  };
}
