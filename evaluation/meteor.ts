// METEOR exactly as NLTK 3.10's nltk.translate.meteor_score computes it: words lowercased,
// aligned in three stages (exact, Porter stem, WordNet synonym; each stage scans the
// hypothesis from its end and takes the rightmost free reference position), then
// Fmean = P·R / (α·P + (1−α)·R) with α = 0.9 and a fragmentation penalty γ·(chunks/matches)^β
// with β = 3, γ = 0.5; several references give the maximum. Synonyms come from any
// SynonymSource (WordNet 3.0 for NLTK's numbers), so this file needs no Node APIs.
import { z } from "zod";
import { porterStem } from "./porter.ts";
import { pySplit } from "./python-strings.ts";
import type { SynonymSource } from "./wordnet.ts";

export const meteorOptionsSchema = z.object({
  alpha: z.number().min(0).max(1).default(0.9),
  beta: z.number().default(3),
  gamma: z.number().min(0).max(1).default(0.5),
});
export type MeteorOptions = z.input<typeof meteorOptionsSchema> & {
  /** WordNet (or another synonym source); without one the synonym stage matches nothing */
  wordnet?: SynonymSource;
  /** how strings become tokens; default: Python's str.split() (NLTK expects pre-tokenized input) */
  tokenize?: (text: string) => string[];
};

type Enum = [index: number, word: string][];
type Match = [hyp: number, ref: number];

/**
 * One matching stage: right to left over the hypothesis, each word takes the rightmost unmatched
 * reference word among its candidates (itself for the exact and stem stages, its synonyms too for
 * the WordNet stage), as NLTK's _enum_align_words and _enum_wordnetsyn_match do.
 */
function alignStage(hyp: Enum, ref: Enum, candidates: (word: string) => Iterable<string>) {
  const positions = new Map<string, number[]>();
  ref.forEach(([, w], j) => {
    const list = positions.get(w);
    if (list) list.push(j);
    else positions.set(w, [j]);
  });
  const matchedHyp = new Set<number>();
  const matchedRef = new Set<number>();
  const matches: Match[] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const [hi, hw] = hyp[i] as [number, string];
    let bestJ = -1;
    let bestWord: string | undefined;
    for (const s of candidates(hw)) {
      const list = positions.get(s);
      if (list && list.length > 0 && (list[list.length - 1] as number) > bestJ) {
        bestJ = list[list.length - 1] as number;
        bestWord = s;
      }
    }
    if (bestWord !== undefined) {
      positions.get(bestWord)?.pop();
      matchedHyp.add(i);
      matchedRef.add(bestJ);
      matches.push([hi, (ref[bestJ] as [number, string])[0]]);
    }
  }
  return {
    matches,
    hyp: hyp.filter((_, i) => !matchedHyp.has(i)),
    ref: ref.filter((_, j) => !matchedRef.has(j)),
  };
}

function matchEnums(hyp: Enum, ref: Enum): { matches: Match[]; hyp: Enum; ref: Enum } {
  return alignStage(hyp, ref, (w) => [w]);
}

function stemMatch(hyp: Enum, ref: Enum) {
  const stem = (e: Enum): Enum => e.map(([i, w]) => [i, porterStem(w)]);
  return matchEnums(stem(hyp), stem(ref));
}

function synonymMatch(hyp: Enum, ref: Enum, wordnet: SynonymSource | undefined) {
  return alignStage(hyp, ref, (w) => {
    const syns = new Set<string>([w]);
    if (wordnet) for (const s of wordnet.synonyms(w)) if (!s.includes("_")) syns.add(s);
    return syns;
  });
}

/** The aligned (hypothesis index, reference index) pairs, sorted by hypothesis index. */
export function alignWords(
  hypothesis: readonly string[],
  reference: readonly string[],
  wordnet?: SynonymSource,
): Match[] {
  const hyp: Enum = hypothesis.map((w, i) => [i, w.toLowerCase()]);
  const ref: Enum = reference.map((w, i) => [i, w.toLowerCase()]);
  const exact = matchEnums(hyp, ref);
  const stem = stemMatch(exact.hyp, exact.ref);
  const syn = synonymMatch(stem.hyp, stem.ref, wordnet);
  return [...exact.matches, ...stem.matches, ...syn.matches].sort((a, b) => a[0] - b[0]);
}

function countChunks(matches: readonly Match[]): number {
  let chunks = 1;
  for (let i = 0; i < matches.length - 1; i++) {
    const a = matches[i] as Match;
    const b = matches[i + 1] as Match;
    if (!(b[0] === a[0] + 1 && b[1] === a[1] + 1)) chunks++;
  }
  return chunks;
}

/** NLTK's single_meteor_score on token lists. */
export function singleMeteor(
  reference: readonly string[],
  hypothesis: readonly string[],
  options?: MeteorOptions,
): number {
  const { alpha, beta, gamma } = meteorOptionsSchema.parse(options ?? {});
  const matches = alignWords(hypothesis, reference, options?.wordnet);
  const m = matches.length;
  // NLTK returns 0 wherever its arithmetic divides by zero
  if (hypothesis.length === 0 || reference.length === 0 || m === 0) return 0;
  const precision = m / hypothesis.length;
  const recall = m / reference.length;
  const denom = alpha * precision + (1 - alpha) * recall;
  if (denom === 0) return 0;
  const fmean = (precision * recall) / denom;
  const fragFrac = countChunks(matches) / m;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/** METEOR of one hypothesis against one or more references (the best), as NLTK's meteor_score. */
export function meteorScore(
  hypothesis: string,
  references: string | readonly string[],
  options?: MeteorOptions,
): number {
  const refs = typeof references === "string" ? [references] : references;
  if (refs.length === 0) throw new RangeError("no references to score against");
  const tokenize = options?.tokenize ?? pySplit;
  const hyp = tokenize(hypothesis);
  return Math.max(...refs.map((r) => singleMeteor(tokenize(r), hyp, options)));
}

/** Mean sentence METEOR over a corpus; `references[i]` belong to `hypotheses[i]`. */
export function meteor(
  hypotheses: readonly string[],
  references: readonly (string | readonly string[])[],
  options?: MeteorOptions,
): number {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`${hypotheses.length} hypotheses but ${references.length} reference lists`);
  }
  if (hypotheses.length === 0) throw new RangeError("no examples to score");
  let sum = 0;
  hypotheses.forEach((h, i) => {
    sum += meteorScore(h, references[i] as string[], options);
  });
  return sum / hypotheses.length;
}
