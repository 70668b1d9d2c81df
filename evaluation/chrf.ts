// chrF and chrF++ exactly as sacreBLEU 2.6.0 computes them (sacrebleu.metrics.chrf): character
// n-grams (order 6), optional word n-grams (order 2 = chrF++), beta 2, best reference by F.
// Pure TypeScript, no Node APIs.
import { z } from "zod";
import { SACREBLEU_VERSION } from "./bleu.ts";
import { codePoints, pyRemoveWhitespace, pySplit } from "./python-strings.ts";

export const chrfOptionsSchema = z.object({
  charOrder: z.number().int().min(1).max(16).default(6),
  /** 2 gives chrF++ */
  wordOrder: z.number().int().min(0).max(8).default(0),
  beta: z.number().int().min(0).default(2),
  lowercase: z.boolean().default(false),
  /** keep whitespace inside character n-grams */
  whitespace: z.boolean().default(false),
  /** chrF++.py/NLTK/Moses-style epsilon smoothing instead of sacreBLEU's effective order */
  epsSmoothing: z.boolean().default(false),
});
export type ChrfOptions = z.input<typeof chrfOptionsSchema>;
type Resolved = z.output<typeof chrfOptionsSchema>;

export interface ChrfScore {
  /** 0–100 */
  score: number;
  /** chrF2, chrF2++, ... */
  name: string;
  signature: string;
}

const PUNCTS = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

function removePunctuation(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    const cps = codePoints(w);
    if (cps.length === 1) out.push(w);
    else if (PUNCTS.has(cps[cps.length - 1] as string))
      out.push(cps.slice(0, -1).join(""), cps[cps.length - 1] as string);
    else if (PUNCTS.has(cps[0] as string)) out.push(cps[0] as string, cps.slice(1).join(""));
    else out.push(w);
  }
  return out;
}

function count(items: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

function* windows(parts: readonly string[], n: number, sep: string): Generator<string> {
  for (let i = 0; i + n <= parts.length; i++) yield parts.slice(i, i + n).join(sep);
}

function allNgrams(sent: string, o: Resolved): Map<string, number>[] {
  const line = o.whitespace ? sent : pyRemoveWhitespace(sent);
  const out: Map<string, number>[] = [];
  if (/[\uD800-\uDFFF]/.test(line)) {
    const chars = codePoints(line);
    for (let n = 1; n <= o.charOrder; n++) out.push(count(windows(chars, n, "")));
  } else {
    // one UTF-16 unit per code point: slice the string directly (the hot path)
    for (let n = 1; n <= o.charOrder; n++) {
      const m = new Map<string, number>();
      for (let i = 0; i + n <= line.length; i++) {
        const g = line.slice(i, i + n);
        m.set(g, (m.get(g) ?? 0) + 1);
      }
      out.push(m);
    }
  }
  if (o.wordOrder > 0) {
    const words = removePunctuation(sent);
    for (let n = 1; n <= o.wordOrder; n++) out.push(count(windows(words, n, " ")));
  }
  return out;
}

function matchStats(hyp: Map<string, number>, ref: Map<string, number>): [number, number, number] {
  let match = 0;
  let hypCount = 0;
  for (const [ng, c] of hyp) {
    hypCount += c;
    const r = ref.get(ng);
    if (r !== undefined) match += Math.min(c, r);
  }
  let refCount = 0;
  for (const c of ref.values()) refCount += c;
  return [ref.size > 0 ? hypCount : 0, refCount, match];
}

function fScore(stats: readonly number[], o: Resolved): number {
  const eps = 1e-16;
  const order = o.charOrder + o.wordOrder;
  const factor = o.beta ** 2;
  let score = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i] as number;
    const nRef = stats[3 * i + 1] as number;
    const nMatch = stats[3 * i + 2] as number;
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (o.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) {
    avgPrec = 0;
    avgRec = 0;
  } else {
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
  }
  if (avgPrec + avgRec) {
    let s = (1 + factor) * avgPrec * avgRec;
    s /= factor * avgPrec + avgRec;
    return 100 * s;
  }
  return 0;
}

function segmentStats(hypothesis: string, references: readonly string[], o: Resolved): number[] {
  const prep = (s: string) => (o.lowercase ? s.toLowerCase() : s);
  const hyp = allNgrams(prep(hypothesis), o);
  let best: number[] = [];
  let bestF = -1;
  for (const ref of references) {
    const refNgrams = allNgrams(prep(ref), o);
    const stats: number[] = [];
    hyp.forEach((h, i) => {
      stats.push(...matchStats(h, refNgrams[i] as Map<string, number>));
    });
    const f = fScore(stats, o);
    if (f > bestF) {
      bestF = f;
      best = stats;
    }
  }
  return best;
}

function finish(statsList: number[][], o: Resolved, nrefs: number | "var"): ChrfScore {
  const sum = new Array<number>(3 * (o.charOrder + o.wordOrder)).fill(0);
  for (const s of statsList) for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (s[i] ?? 0);
  const signature = [
    `nrefs:${nrefs}`,
    `case:${o.lowercase ? "lc" : "mixed"}`,
    `eff:${o.epsSmoothing ? "no" : "yes"}`,
    `nc:${o.charOrder}`,
    `nw:${o.wordOrder}`,
    `space:${o.whitespace ? "yes" : "no"}`,
    `version:${SACREBLEU_VERSION}`,
  ].join("|");
  return { score: fScore(sum, o), name: `chrF${o.beta}${"+".repeat(o.wordOrder)}`, signature };
}

function check(hypotheses: readonly string[], references: readonly (readonly string[])[]): void {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`${hypotheses.length} hypotheses but ${references.length} reference lists`);
  }
  references.forEach((refs, i) => {
    if (refs.length === 0) throw new RangeError(`hypothesis ${i} has no references`);
  });
}

/** Corpus chrF (sacreBLEU's CHRF().corpus_score); `references[i]` are the references of hypothesis i. */
export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options?: ChrfOptions,
): ChrfScore {
  check(hypotheses, references);
  const o = chrfOptionsSchema.parse(options ?? {});
  const stats = hypotheses.map((h, i) => segmentStats(h, references[i] as string[], o));
  const counts = new Set(references.map((r) => r.length));
  return finish(stats, o, counts.size === 1 ? (references[0] as string[]).length : "var");
}

/** Sentence chrF (sacrebleu.sentence_chrf). */
export function sentenceChrf(
  hypothesis: string,
  references: readonly string[],
  options?: ChrfOptions,
): ChrfScore {
  check([hypothesis], [references]);
  const o = chrfOptionsSchema.parse(options ?? {});
  return finish([segmentStats(hypothesis, references, o)], o, references.length);
}
