// Tokenizing only as much of a long text as the model will read. tokenizers.js, like Hugging Face
// tokenizers, encodes the whole text and truncation cuts afterwards: a 1,000-character email costs
// ~400 tokens of work for the 64 a small classifier reads, the largest part of a warm inference
// request's own time in the Worker after session.run. No tokenizer library offers an early stop, so
// this module decides when a prefix is enough. It is enough when the tokenizer is word-local: its
// normalizer maps characters one at a time, its pre-tokenizer splits at whitespace before the model
// sees a word, and its post-processor closes every text with the same special token. Then a prefix
// cut just before a whitespace character yields exactly the first tokens of the whole text, and a
// prefix that is already longer than the model reads truncates to exactly what the whole text would.
// Other tokenizers (a Replace normalizer, SentencePiece's precompiled map, no closing token) encode
// the whole text, as before.

/** What this module needs of a tokenizers.js Tokenizer. */
export interface Encoder {
  encode(text: string): { ids: number[] };
}

type Component = { type?: string; [key: string]: unknown } | null | undefined;

const LOCAL_NORMALIZERS = new Set([
  "BertNormalizer",
  "Lowercase",
  "NFC",
  "NFD",
  "NFKC",
  "NFKD",
  "StripAccents",
]);
const WHITESPACE_PRE_TOKENIZERS = new Set(["BertPreTokenizer", "Whitespace", "WhitespaceSplit"]);

function each(component: Component, key: "normalizers" | "pretokenizers"): Component[] {
  if (component?.type === "Sequence") return (component[key] as Component[] | undefined) ?? [];
  return [component];
}

const localNormalizer = (n: Component) => n == null || LOCAL_NORMALIZERS.has(n.type ?? "");
const splitsAtWhitespace = (p: Component) =>
  p != null &&
  (WHITESPACE_PRE_TOKENIZERS.has(p.type ?? "") || (p.type === "ByteLevel" && p.use_regex !== false));

/** The single-text template ends with a special token ([SEP], </s>), the same for every text. */
function closesWithSpecialToken(post: Component): boolean {
  if (post?.type === "BertProcessing" || post?.type === "RobertaProcessing") return true;
  if (post?.type !== "TemplateProcessing") return false;
  const single = post.single as Record<string, unknown>[] | undefined;
  const last = single?.[single.length - 1];
  return last !== undefined && "SpecialToken" in last;
}

/** Whether a whitespace-cut prefix of any text tokenizes to the first tokens of the whole text. */
export function isWordLocal(tokenizerJson: object): boolean {
  const json = tokenizerJson as {
    normalizer?: Component;
    pre_tokenizer?: Component;
    post_processor?: Component;
  };
  const preTokenizers = each(json.pre_tokenizer, "pretokenizers");
  return (
    each(json.normalizer, "normalizers").every(localNormalizer) &&
    preTokenizers.length > 0 &&
    preTokenizers.some(splitsAtWhitespace) &&
    preTokenizers.every((p) => splitsAtWhitespace(p) || p?.type === "Punctuation" || p?.type === "Digits") &&
    closesWithSpecialToken(json.post_processor)
  );
}

const isAsciiSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Where to cut: the start of the last run of ASCII whitespace (every tokenizer's whitespace) at or
 * before `end`, or -1. The start of the run, because byte-level pre-tokenizers split a run of spaces
 * by what follows it.
 */
function cutBefore(text: string, end: number): number {
  for (let i = Math.min(end, text.length - 1); i > 0; i--) {
    if (isAsciiSpace(text.charCodeAt(i)) && !isAsciiSpace(text.charCodeAt(i - 1))) return i;
  }
  return -1;
}

/** Characters tried first per token the model reads; English averages about four per WordPiece token. */
const CHARS_PER_TOKEN = 4;

/**
 * The ids `encoder` gives `text`, or, when the tokenizer is word-local and the text is longer than
 * `maxTokens`, the ids of a prefix that are longer than `maxTokens` too and agree with the whole
 * text's on every id truncation keeps (the first maxTokens − 1 and the closing special token).
 * `complete` says which of the two it is.
 */
export function encodeUpTo(
  encoder: Encoder,
  text: string,
  maxTokens: number,
  wordLocal: boolean,
): { ids: number[]; complete: boolean } {
  if (wordLocal) {
    for (let budget = maxTokens * CHARS_PER_TOKEN; budget < text.length; budget *= 2) {
      const cut = cutBefore(text, budget);
      if (cut <= 0) break;
      const ids = encoder.encode(text.slice(0, cut)).ids;
      if (ids.length > maxTokens) return { ids, complete: false };
    }
  }
  return { ids: encoder.encode(text).ids, complete: true };
}
