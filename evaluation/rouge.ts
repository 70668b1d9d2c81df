// ROUGE exactly as Google's rouge-score 0.1.2 computes it (rouge_scorer.RougeScorer): its
// tokenizer (lowercase, non-alphanumerics to spaces, ASCII a-z0-9 tokens), optional Porter
// stemming of tokens longer than 3 characters (NLTK's stemmer, as rouge-score uses), rougeN,
// rougeL, rougeLsum (summary-level union LCS over newline-separated sentences) and multiple
// references by the best F-measure (score_multi). split_summaries splits sentences with NLTK's
// English Punkt model as rouge-score does (nltk.sent_tokenize, ./sent-tokenize.ts). Pure
// TypeScript, no Node APIs.
import { z } from "zod";
import { porterStem } from "./porter.ts";
import { sentTokenize } from "./sent-tokenize.ts";

export const rougeTypeSchema = z
  .string()
  .regex(/^(rouge[0-9]|rougeL|rougeLsum)$/, "rouge1…rouge9, rougeL or rougeLsum");
export type RougeType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | "rougeL" | "rougeLsum";

export const rougeOptionsSchema = z.object({
  rougeTypes: z.array(rougeTypeSchema).min(1).default(["rouge1", "rouge2", "rougeL", "rougeLsum"]),
  useStemmer: z.boolean().default(false),
  /**
   * Split summaries into sentences before rougeLsum, as rouge-score's split_summaries: with
   * nltk.sent_tokenize's English Punkt model (or the `sentenceSplitter` given). Without it (the
   * default), sentences are the text's lines, as in rouge-score.
   */
  splitSummaries: z.boolean().default(false),
});
export type RougeOptions = z.input<typeof rougeOptionsSchema> & {
  sentenceSplitter?: (text: string) => string[];
};

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

const NON_ALNUM = /[^a-z0-9]+/g;
const VALID = /^[a-z0-9]+$/;

/** rouge-score's default tokenizer. */
export function rougeTokenize(text: string, useStemmer = false): string[] {
  const tokens = text.toLowerCase().replace(NON_ALNUM, " ").split(/\s+/);
  const out: string[] = [];
  for (const t of tokens) {
    const s = useStemmer && t.length > 3 ? porterStem(t) : t;
    if (VALID.test(s)) out.push(s);
  }
  return out;
}

const fmeasure = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const ZERO: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" ");
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

function scoreNgrams(target: Map<string, number>, prediction: Map<string, number>): RougeScore {
  let overlap = 0;
  let targetCount = 0;
  let predictionCount = 0;
  for (const [k, c] of target) {
    overlap += Math.min(c, prediction.get(k) ?? 0);
    targetCount += c;
  }
  for (const c of prediction.values()) predictionCount += c;
  const precision = overlap / Math.max(predictionCount, 1);
  const recall = overlap / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** The full LCS table, (rows+1) × (cols+1), row-major. */
function lcsTable(ref: readonly string[], can: readonly string[]): Int32Array {
  const cols = can.length + 1;
  const t = new Int32Array((ref.length + 1) * cols);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    for (let j = 1; j <= can.length; j++) {
      t[i * cols + j] =
        r === can[j - 1]
          ? (t[(i - 1) * cols + j - 1] as number) + 1
          : Math.max(t[(i - 1) * cols + j] as number, t[i * cols + j - 1] as number);
    }
  }
  return t;
}

function lcsLength(ref: readonly string[], can: readonly string[]): number {
  // two rows suffice for the length
  let prev = new Int32Array(can.length + 1);
  let cur = new Int32Array(can.length + 1);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    for (let j = 1; j <= can.length; j++) {
      cur[j] =
        r === can[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, cur[j - 1] as number);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[can.length] as number;
}

function scoreLcs(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return ZERO;
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Indices into `ref` of one LCS, read back as rouge-score's _backtrack_norec does. */
function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const t = lcsTable(ref, can);
  const cols = can.length + 1;
  let i = ref.length;
  let j = can.length;
  const out: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if ((t[i * cols + j - 1] as number) > (t[(i - 1) * cols + j] as number)) j--;
    else i--;
  }
  return out.reverse();
}

function summaryLevelLcs(refSents: readonly string[][], canSents: readonly string[][]): RougeScore {
  if (refSents.length === 0 || canSents.length === 0) return ZERO;
  const m = refSents.reduce((s, x) => s + x.length, 0);
  const n = canSents.reduce((s, x) => s + x.length, 0);
  if (!n || !m) return ZERO;
  const countsR = new Map<string, number>();
  const countsC = new Map<string, number>();
  for (const s of refSents) for (const t of s) countsR.set(t, (countsR.get(t) ?? 0) + 1);
  for (const s of canSents) for (const t of s) countsC.set(t, (countsC.get(t) ?? 0) + 1);
  let hits = 0;
  for (const r of refSents) {
    const union = new Set<number>();
    for (const c of canSents) for (const i of lcsIndices(r, c)) union.add(i);
    for (const i of [...union].sort((a, b) => a - b)) {
      const t = r[i] as string;
      const c = countsC.get(t) ?? 0;
      const rr = countsR.get(t) ?? 0;
      if (c > 0 && rr > 0) {
        hits++;
        countsC.set(t, c - 1);
        countsR.set(t, rr - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** rouge-score's RougeScorer.score(target, prediction) for one reference. */
function scoreOne(
  target: string,
  prediction: string,
  types: readonly string[],
  useStemmer: boolean,
  sentences: (text: string) => string[],
): Record<string, RougeScore> {
  const onlyLsum = types.length === 1 && types[0] === "rougeLsum";
  const targetTokens = onlyLsum ? [] : rougeTokenize(target, useStemmer);
  const predictionTokens = onlyLsum ? [] : rougeTokenize(prediction, useStemmer);
  const result: Record<string, RougeScore> = {};
  for (const type of types) {
    if (type === "rougeL") result[type] = scoreLcs(targetTokens, predictionTokens);
    else if (type === "rougeLsum") {
      const sents = (text: string) => sentences(text).filter((s) => s.length > 0);
      result[type] = summaryLevelLcs(
        sents(target).map((s) => rougeTokenize(s, useStemmer)),
        sents(prediction).map((s) => rougeTokenize(s, useStemmer)),
      );
    } else {
      const n = Number(type.slice(5));
      if (!(n > 0)) throw new RangeError(`rougen requires positive n: ${type}`);
      result[type] = scoreNgrams(ngrams(targetTokens, n), ngrams(predictionTokens, n));
    }
  }
  return result;
}

/**
 * ROUGE of one prediction against one or more references. With several, each type takes the
 * reference with the best F-measure (the first on ties), as rouge-score's score_multi.
 */
export function rougeScore(
  prediction: string,
  references: string | readonly string[],
  options?: RougeOptions,
): Record<string, RougeScore> {
  const o = rougeOptionsSchema.parse(options ?? {});
  const refs = typeof references === "string" ? [references] : references;
  if (refs.length === 0) throw new RangeError("no references to score against");
  const sentences = o.splitSummaries
    ? (options?.sentenceSplitter ?? sentTokenize)
    : (text: string) => text.split("\n");
  const all = refs.map((r) => scoreOne(r, prediction, o.rougeTypes, o.useStemmer, sentences));
  const best: Record<string, RougeScore> = {};
  for (const type of o.rougeTypes) {
    let k = 0;
    all.forEach((s, i) => {
      if ((s[type]?.fmeasure ?? 0) > (all[k]?.[type]?.fmeasure ?? 0)) k = i;
    });
    best[type] = all[k]?.[type] ?? ZERO;
  }
  return best;
}

/** Mean precision/recall/F of each ROUGE type over a corpus; `references[i]` belong to `predictions[i]`. */
export function rouge(
  predictions: readonly string[],
  references: readonly (string | readonly string[])[],
  options?: RougeOptions,
): Record<string, RougeScore> {
  if (predictions.length !== references.length) {
    throw new RangeError(`${predictions.length} predictions but ${references.length} reference lists`);
  }
  if (predictions.length === 0) throw new RangeError("no examples to score");
  const sums: Record<string, RougeScore> = {};
  predictions.forEach((p, i) => {
    for (const [type, s] of Object.entries(rougeScore(p, references[i] as string[], options))) {
      sums[type] ??= { precision: 0, recall: 0, fmeasure: 0 };
      const acc = sums[type];
      acc.precision += s.precision;
      acc.recall += s.recall;
      acc.fmeasure += s.fmeasure;
    }
  });
  const n = predictions.length;
  return Object.fromEntries(
    Object.entries(sums).map(([k, s]) => [
      k,
      { precision: s.precision / n, recall: s.recall / n, fmeasure: s.fmeasure / n },
    ]),
  );
}
