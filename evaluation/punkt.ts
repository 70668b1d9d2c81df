// NLTK's Punkt sentence tokenizer (nltk.tokenize.punkt.PunktSentenceTokenizer.tokenize, NLTK
// 3.10.4), the splitter behind nltk.sent_tokenize and so behind rouge-score's split_summaries.
// Written by hand because no JavaScript library reproduces NLTK's decisions; this is a port of
// the tokenizing half only (Kiss & Strunk's first pass, the collocation/orthographic/sentence-
// starter second pass, NLTK's candidate contexts and boundary realignment), with parameters
// given, never trained. Python's regex semantics are spelled out for JavaScript: NLTK compiles
// with the `regex` module, whose \s is Unicode White_Space and whose \w is
// [\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}] (identical on every code point assigned in
// Unicode 17); str.strip()/rstrip() use str.isspace(). Indices are UTF-16 units throughout, which
// changes no decision. Pure TypeScript, no Node APIs.
import { PY_WHITESPACE, pyRstrip } from "./python-strings.ts";

export interface PunktParameters {
  abbrevTypes: ReadonlySet<string>;
  sentStarters: ReadonlySet<string>;
  /** (type of the period-final word, type of the next word) pairs; first → seconds. */
  collocations: ReadonlyMap<string, ReadonlySet<string>>;
  /** Word type → orthographic context flags (NLTK's _ORTHO_* bits); missing types are 0. */
  orthoContext: ReadonlyMap<string, number>;
}

/** The JSON layout of evaluation/fixtures/punkt-english.json (evaluation/fixtures/make_punkt_english.py). */
export interface PunktParametersJson {
  abbrevTypes: string[];
  sentStarters: string[];
  /** [first, second] pairs. */
  collocations: string[][];
  orthoContext: Record<string, number>;
}

export function punktParameters(json: PunktParametersJson): PunktParameters {
  const collocations = new Map<string, Set<string>>();
  for (const pair of json.collocations) {
    const [a, b] = pair;
    if (pair.length !== 2 || a === undefined || b === undefined) {
      throw new TypeError(`a Punkt collocation is a pair of word types, got ${JSON.stringify(pair)}`);
    }
    const seconds = collocations.get(a) ?? new Set<string>();
    seconds.add(b);
    collocations.set(a, seconds);
  }
  return {
    abbrevTypes: new Set(json.abbrevTypes),
    sentStarters: new Set(json.sentStarters),
    collocations,
    orthoContext: new Map(Object.entries(json.orthoContext)),
  };
}

// Orthographic context flags, as NLTK's _ORTHO_* constants.
const ORTHO_MID_UC = 1 << 2;
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_UC = (1 << 1) + (1 << 2) + (1 << 3);
const ORTHO_LC = (1 << 4) + (1 << 5) + (1 << 6);

// PunktLanguageVars' expressions, English defaults.
const S = "\\p{White_Space}";
const NS = "\\P{White_Space}";
const NON_WORD = "[)\";}\\]*:@'({\\[\\u2018\\u2019\\u201c\\u201d\\xab\\xbb?!]";
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${S}){2,}\\.)`;
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
const WORD_TOKENIZER = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${NS}+?(?=${S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${S}|${NON_WORD}|${MULTI_CHAR}))|${NS}`,
  "gu",
);
const PERIOD_CONTEXT = new RegExp(`[.?!](?=(?<after>${NON_WORD}|${S}+(?<next>${NS}+)))`, "gdu");
const BOUNDARY_REALIGNMENT = new RegExp(
  `^["')\\]}\\u2018\\u2019\\u201c\\u201d\\xab\\xbb]+?(?:${S}+|(?=--)|$)`,
  "u",
);
const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const RE_ELLIPSIS = /^\.\.+$/;
const RE_INITIAL = /^[\p{Alphabetic}\p{M}\p{Pc}\p{Join_Control}]\.$/u;
const FIRST_UPPER = /^\p{Uppercase}/u;
const FIRST_LOWER = /^\p{Lowercase}/u;
const NOT_PY_SPACE = new RegExp(`[^${PY_WHITESPACE}]`, "u");
const SENT_END_CHARS = new Set([".", "?", "!"]);
const PUNCTUATION = new Set([";", ":", ",", ".", "!", "?"]);
/** Python's string.whitespace: the ASCII set NLTK's _get_last_whitespace_index looks for. */
const ASCII_WHITESPACE = new Set([" ", "\t", "\n", "\r", "\v", "\f"]);

/** PunktToken: the text, its case-folded type and the annotations of both passes. */
interface Token {
  tok: string;
  type: string;
  periodFinal: boolean;
  sentbreak: boolean;
  abbr: boolean;
  ellipsis: boolean;
}

function token(tok: string): Token {
  const lower = tok.toLowerCase();
  return {
    tok,
    type: RE_NUMERIC.test(lower) ? "##number##" : lower,
    periodFinal: tok.endsWith("."),
    sentbreak: false,
    abbr: false,
    ellipsis: false,
  };
}

const typeNoPeriod = (t: Token) => (t.type.length > 1 && t.type.endsWith(".") ? t.type.slice(0, -1) : t.type);
const typeNoSentperiod = (t: Token) => (t.sentbreak ? typeNoPeriod(t) : t.type);

/** PunktBaseClass._tokenize_words: word tokens of each non-blank line. */
function tokenizeWords(text: string): Token[] {
  const out: Token[] = [];
  for (const line of text.split("\n")) {
    if (!NOT_PY_SPACE.test(line)) continue;
    for (const m of line.matchAll(WORD_TOKENIZER)) out.push(token(m[0]));
  }
  return out;
}

export class PunktSentenceTokenizer {
  constructor(private readonly params: PunktParameters) {}

  /** PunktSentenceTokenizer.tokenize(text): the sentences, boundary punctuation realigned. */
  tokenize(text: string): string[] {
    return this.spans(text).map(([s, e]) => text.slice(s, e));
  }

  /** span_tokenize(text): [start, end) of each sentence in UTF-16 units. */
  spans(text: string): [number, number][] {
    return this.realignBoundaries(text, this.slicesFromText(text));
  }

  private firstPass(t: Token): void {
    const tok = t.tok;
    if (SENT_END_CHARS.has(tok)) t.sentbreak = true;
    else if (RE_ELLIPSIS.test(tok)) t.ellipsis = true;
    else if (t.periodFinal && !tok.endsWith("..")) {
      const stem = tok.slice(0, -1).toLowerCase();
      const abbrevs = this.params.abbrevTypes;
      if (abbrevs.has(stem) || abbrevs.has(stem.split("-").at(-1) as string)) t.abbr = true;
      else t.sentbreak = true;
    }
  }

  private ortho(type: string): number {
    return this.params.orthoContext.get(type) ?? 0;
  }

  /** _ortho_heuristic: true, false or "unknown" whether `t` starts a sentence. */
  private orthoHeuristic(t: Token): boolean | "unknown" {
    if (PUNCTUATION.has(t.tok)) return false;
    const context = this.ortho(typeNoSentperiod(t));
    if (FIRST_UPPER.test(t.tok) && context & ORTHO_LC && !(context & ORTHO_MID_UC)) return true;
    if (FIRST_LOWER.test(t.tok) && (context & ORTHO_UC || !(context & ORTHO_BEG_LC))) return false;
    return "unknown";
  }

  private secondPass(t1: Token, t2: Token): void {
    if (!t1.periodFinal) return;
    const typ = typeNoPeriod(t1);
    const nextTyp = typeNoSentperiod(t2);
    const isInitial = RE_INITIAL.test(t1.tok);
    if (this.params.collocations.get(typ)?.has(nextTyp)) {
      t1.sentbreak = false;
      t1.abbr = true;
      return;
    }
    if ((t1.abbr || t1.ellipsis) && !isInitial) {
      if (this.orthoHeuristic(t2) === true) {
        t1.sentbreak = true;
        return;
      }
      if (FIRST_UPPER.test(t2.tok) && this.params.sentStarters.has(nextTyp)) {
        t1.sentbreak = true;
        return;
      }
    }
    if (isInitial || typ === "##number##") {
      const starter = this.orthoHeuristic(t2);
      if (starter === false) {
        t1.sentbreak = false;
        t1.abbr = true;
        return;
      }
      if (
        starter === "unknown" &&
        isInitial &&
        FIRST_UPPER.test(t2.tok) &&
        !(this.ortho(nextTyp) & ORTHO_LC)
      ) {
        t1.sentbreak = false;
        t1.abbr = true;
      }
    }
  }

  /** text_contains_sentbreak: a token other than the last ends a sentence. */
  private containsSentbreak(text: string): boolean {
    const tokens = tokenizeWords(text);
    for (const t of tokens) this.firstPass(t);
    for (let i = 0; i + 1 < tokens.length; i++) {
      const t = tokens[i] as Token;
      this.secondPass(t, tokens[i + 1] as Token);
      if (t.sentbreak) return true;
    }
    return false;
  }

  /** _match_potential_end_contexts + _slices_from_text. */
  private slicesFromText(text: string): [number, number][] {
    const contexts: { match: RegExpExecArray; context: string }[] = [];
    let previous: [number, number] = [0, 0];
    let previousMatch: RegExpExecArray | undefined;
    const contextOf = (m: RegExpExecArray, [s, e]: [number, number]) =>
      text.slice(s, e) + m[0] + (m.groups?.after ?? "");
    for (const match of text.matchAll(PERIOD_CONTEXT) as IterableIterator<RegExpExecArray>) {
      const before = text.slice(previous[1], match.index);
      let last = 0;
      for (let i = before.length - 1; i >= 0; i--) {
        if (ASCII_WHITESPACE.has(before[i] as string)) {
          last = i;
          break;
        }
      }
      // NLTK treats whitespace at index 0 like none at all: kept as is.
      const start = last ? last + previous[1] + 1 : previous[0];
      const word: [number, number] = [start, match.index];
      if (previousMatch && previous[1] <= word[0]) {
        contexts.push({ match: previousMatch, context: contextOf(previousMatch, previous) });
      }
      previousMatch = match;
      previous = word;
    }
    if (previousMatch) contexts.push({ match: previousMatch, context: contextOf(previousMatch, previous) });

    const slices: [number, number][] = [];
    let lastBreak = 0;
    for (const { match, context } of contexts) {
      if (!this.containsSentbreak(context)) continue;
      const end = match.index + match[0].length;
      slices.push([lastBreak, end]);
      const next = match.indices?.groups?.next;
      lastBreak = next ? next[0] : end;
    }
    slices.push([lastBreak, pyRstrip(text).length]);
    return slices;
  }

  /** _realign_boundaries: closing quotes and brackets after a break belong to the sentence before. */
  private realignBoundaries(text: string, slices: [number, number][]): [number, number][] {
    const out: [number, number][] = [];
    let realign = 0;
    slices.forEach(([start1, stop1], i) => {
      const s1: [number, number] = [start1 + realign, stop1];
      const s2 = slices[i + 1];
      if (!s2) {
        if (s1[0] < s1[1]) out.push(s1);
        return;
      }
      const m = BOUNDARY_REALIGNMENT.exec(text.slice(s2[0], s2[1]));
      if (m) {
        out.push([s1[0], s2[0] + pyRstrip(m[0]).length]);
        realign = m[0].length;
      } else {
        realign = 0;
        if (s1[0] < s1[1]) out.push(s1);
      }
    });
    return out;
  }
}
