// sacreBLEU's tokenizers (13a, intl, char, none), ported line by line from sacrebleu 2.6.0 so
// BLEU scores are the numbers sacreBLEU prints. Output is a string of space-separated tokens.
import { codePoints, pySplit } from "./python-strings.ts";

export type SacreTokenizerName = "13a" | "intl" | "char" | "none";
export const SACRE_TOKENIZERS: readonly SacreTokenizerName[] = ["13a", "intl", "char", "none"];

// tokenizer_re.TokenizerRegexp: mteval-v13a's language-dependent part.
const RE_13A: [RegExp, string][] = [
  [/([{-~[-` -&(-+:-@/])/g, " $1 "],
  [/([^0-9])([.,])/g, "$1 $2 "],
  [/([.,])([^0-9])/g, " $1 $2"],
  [/([0-9])(-)/g, "$1 $2 "],
];

export function tokenize13a(input: string): string {
  let line = input.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (line.includes("&")) {
    line = line
      .replaceAll("&quot;", '"')
      .replaceAll("&amp;", "&")
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">");
  }
  line = ` ${line} `;
  for (const [re, repl] of RE_13A) line = line.replace(re, repl);
  return pySplit(line).join(" ");
}

// tokenizer_intl.TokenizerV14International (mteval-v14's international tokenization).
const RE_INTL: [RegExp, string][] = [
  [/(\P{N})(\p{P})/gu, "$1 $2 "],
  [/(\p{P})(\P{N})/gu, " $1 $2"],
  [/(\p{S})/gu, " $1 "],
];

export function tokenizeIntl(input: string): string {
  let line = input;
  for (const [re, repl] of RE_INTL) line = line.replace(re, repl);
  return pySplit(line).join(" ");
}

/** Every character (code point) a token, as sacreBLEU's `char` tokenizer. */
export function tokenizeChar(input: string): string {
  return codePoints(input).join(" ");
}

export function sacreTokenizer(name: SacreTokenizerName): (line: string) => string {
  switch (name) {
    case "13a":
      return tokenize13a;
    case "intl":
      return tokenizeIntl;
    case "char":
      return tokenizeChar;
    case "none":
      return (line) => line;
  }
}
