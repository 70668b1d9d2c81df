// BLEU exactly as sacreBLEU 2.6.0 computes it (sacrebleu.metrics.bleu), corpus and sentence level,
// with its tokenizers, smoothing methods, effective order, multiple references and signature.
// Pure TypeScript, no Node APIs, so the Worker, the runner and the CLI share it.
import { z } from "zod";
import { pyFixed } from "./python-format.ts";
import { pyRstrip, pySplit } from "./python-strings.ts";
import { type SacreTokenizerName, sacreTokenizer } from "./sacrebleu-tokenizers.ts";

/** The sacreBLEU release whose numbers these are; it is the `version:` in signatures. */
export const SACREBLEU_VERSION = "2.6.0";

export const bleuOptionsSchema = z.object({
  tokenize: z.enum(["13a", "intl", "char", "none"]).default("13a"),
  smoothMethod: z.enum(["exp", "floor", "add-k", "none"]).default("exp"),
  /** for floor (default 0.1) and add-k (default 1) */
  smoothValue: z.number().nonnegative().optional(),
  effectiveOrder: z.boolean().optional(),
  lowercase: z.boolean().default(false),
  maxNgramOrder: z.number().int().min(1).max(16).default(4),
});
export type BleuOptions = z.input<typeof bleuOptionsSchema>;
type Resolved = z.output<typeof bleuOptionsSchema> & { effectiveOrder: boolean };

export interface BleuScore {
  /** 0–100, as sacreBLEU reports it */
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  ratio: number;
  /** e.g. nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 */
  signature: string;
  /** e.g. #:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0 */
  shortSignature: string;
  /** sacreBLEU's one-line report: BLEU|#:1|... = 36.97 78.0/55.2/41.0/30.6 (BP = ...) */
  formatted: string;
}

const SMOOTH_DEFAULTS = { none: undefined, floor: 0.1, "add-k": 1, exp: undefined } as const;

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // tokens hold no whitespace, so a space-joined key is unambiguous and encodes the order
      const key = n === 1 ? (tokens[i] as string) : tokens.slice(i, i + n).join(" ");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

/** Sufficient statistics of one segment: [hypLen, refLen, correct_1..N, total_1..N]. */
function segmentStats(hypothesis: string, references: readonly string[], o: Resolved): number[] {
  const tokenizer = sacreTokenizer(o.tokenize);
  const prep = (s: string) => tokenizer(pyRstrip(o.lowercase ? s.toLowerCase() : s));
  const N = o.maxNgramOrder;
  let refNgrams: Map<string, number> | undefined;
  const refLens: number[] = [];
  for (const ref of references) {
    const tokens = pySplit(prep(ref));
    refLens.push(tokens.length);
    const these = ngramCounts(tokens, N);
    if (!refNgrams) refNgrams = these;
    else for (const [k, c] of these) refNgrams.set(k, Math.max(refNgrams.get(k) ?? 0, c));
  }
  const hypTokens = pySplit(prep(hypothesis));
  const hypNgrams = ngramCounts(hypTokens, N);
  const correct = new Array<number>(N).fill(0);
  const total = new Array<number>(N).fill(0);
  for (const [k, c] of hypNgrams) {
    let n = 0;
    for (let i = k.indexOf(" "); i !== -1; i = k.indexOf(" ", i + 1)) n++;
    total[n] = (total[n] as number) + c;
    const r = refNgrams?.get(k);
    if (r !== undefined) correct[n] = (correct[n] as number) + Math.min(c, r);
  }
  return [hypTokens.length, closestRefLen(hypTokens.length, refLens), ...correct, ...total];
}

const myLog = (x: number) => (x === 0 ? -9999999999 : Math.log(x));

function computeBleu(stats: readonly number[], o: Resolved) {
  const N = o.maxNgramOrder;
  const sysLen = stats[0] as number;
  const refLen = stats[1] as number;
  const correct = stats.slice(2, 2 + N);
  const total = stats.slice(2 + N, 2 + 2 * N);
  const smoothValue = o.smoothValue ?? SMOOTH_DEFAULTS[o.smoothMethod] ?? 0;
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(N).fill(0);
  if (!correct.some((c) => c !== 0)) return { score: 0, correct, total, precisions, bp, sysLen, refLen };
  let smoothMteval = 1;
  let effOrder = N;
  for (let n = 1; n <= N; n++) {
    if (o.smoothMethod === "add-k" && n > 1) {
      correct[n - 1] = (correct[n - 1] as number) + smoothValue;
      total[n - 1] = (total[n - 1] as number) + smoothValue;
    }
    const t = total[n - 1] as number;
    const c = correct[n - 1] as number;
    if (t === 0) break;
    if (o.effectiveOrder) effOrder = n;
    if (c === 0) {
      if (o.smoothMethod === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * t);
      } else if (o.smoothMethod === "floor") {
        precisions[n - 1] = (100 * smoothValue) / t;
      }
    } else {
      precisions[n - 1] = (100 * c) / t;
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i] as number);
  return { score: bp * Math.exp(logSum / effOrder), correct, total, precisions, bp, sysLen, refLen };
}

function signatures(o: Resolved, nrefs: number | "var"): { long: string; short: string } {
  let smooth: string = o.smoothMethod;
  const def = SMOOTH_DEFAULTS[o.smoothMethod];
  if (def !== undefined) smooth += `[${pyFixed(o.smoothValue ?? def, 2)}]`;
  const fields: [string, string, string][] = [
    ["nrefs", "#", String(nrefs)],
    ["case", "c", o.lowercase ? "lc" : "mixed"],
    ["eff", "e", o.effectiveOrder ? "yes" : "no"],
    ["tok", "tok", o.tokenize],
    ["smooth", "s", smooth],
    ["version", "v", SACREBLEU_VERSION],
  ];
  return {
    long: fields.map(([k, , v]) => `${k}:${v}`).join("|"),
    short: fields.map(([, k, v]) => `${k}:${v}`).join("|"),
  };
}

function resolve(options: BleuOptions | undefined, effectiveDefault: boolean): Resolved {
  const o = bleuOptionsSchema.parse(options ?? {});
  return { ...o, effectiveOrder: o.effectiveOrder ?? effectiveDefault };
}

function assertReferences(hypotheses: readonly string[], references: readonly (readonly string[])[]): void {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`${hypotheses.length} hypotheses but ${references.length} reference lists`);
  }
  references.forEach((refs, i) => {
    if (refs.length === 0) throw new RangeError(`hypothesis ${i} has no references`);
  });
}

function score(statsList: number[][], o: Resolved, nrefs: number | "var"): BleuScore {
  const sum = new Array<number>(2 + 2 * o.maxNgramOrder).fill(0);
  for (const s of statsList)
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (s[i] as number);
  const r = computeBleu(sum, o);
  const sig = signatures(o, nrefs);
  const ratio = r.refLen ? r.sysLen / r.refLen : 0;
  const precStr = r.precisions.map((p) => pyFixed(p, 1)).join("/");
  const verbose = `${precStr} (BP = ${pyFixed(r.bp, 3)} ratio = ${pyFixed(ratio, 3)} hyp_len = ${r.sysLen} ref_len = ${r.refLen})`;
  return {
    score: r.score,
    counts: r.correct,
    totals: r.total,
    precisions: r.precisions,
    bp: r.bp,
    sysLen: r.sysLen,
    refLen: r.refLen,
    ratio,
    signature: sig.long,
    shortSignature: sig.short,
    formatted: `BLEU|${sig.short} = ${pyFixed(r.score, 2)} ${verbose}`,
  };
}

/**
 * Corpus BLEU (sacreBLEU's `corpus_score`). `references[i]` holds the reference(s) of
 * `hypotheses[i]`; their number may vary (the signature then says nrefs:var).
 * effectiveOrder defaults to false, as in sacreBLEU's BLEU().
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options?: BleuOptions,
): BleuScore {
  assertReferences(hypotheses, references);
  const o = resolve(options, false);
  const stats = hypotheses.map((h, i) => segmentStats(h, references[i] as string[], o));
  const counts = new Set(references.map((r) => r.length));
  return score(stats, o, counts.size === 1 ? (references[0] as string[]).length : "var");
}

/** Sentence BLEU (sacrebleu.sentence_bleu): effectiveOrder defaults to true. */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  options?: BleuOptions,
): BleuScore {
  assertReferences([hypothesis], [references]);
  const o = resolve(options, true);
  return score([segmentStats(hypothesis, references, o)], o, references.length);
}

/** Turns sacreBLEU's layout (one stream per reference slot, null where absent) into per-hypothesis lists. */
export function referencesFromStreams(streams: readonly (readonly (string | null)[])[]): string[][] {
  const n = streams[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) =>
    streams.map((s) => s[i]).filter((r): r is string => r !== null && r !== undefined),
  );
}

export type { SacreTokenizerName };
