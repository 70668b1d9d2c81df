// Human evaluation statistics: win rate from blind pairwise judgments (ties count half) and Likert
// summaries, both with seeded bootstrap intervals (./bootstrap.ts), and inter-rater agreement by
// Cohen's kappa (two raters) and Fleiss' kappa (any fixed number of raters per item).
// Pure TypeScript, no Node APIs: the Worker's human-eval report uses it.
import { bootstrapCI, type Interval, type ResamplingOptions } from "./bootstrap.ts";

/** One pairwise judgment, in terms of the true variants: A better, B better, or a tie. */
export type PairwiseChoice = "A" | "B" | "tie";

export interface WinRate {
  /** judgments counted */
  n: number;
  winsA: number;
  winsB: number;
  ties: number;
  /** (winsA + ties/2) / n with its percentile bootstrap interval */
  winRate: Interval;
}

export interface GroupingOptions {
  /**
   * Cluster of each judgment or score (usually its item). When given, the bootstrap resamples whole
   * clusters, since several raters' judgments of one item are not independent; the estimate is the same.
   */
  groups?: readonly (string | number)[];
}

const choiceScore = (c: PairwiseChoice): number => (c === "A" ? 1 : c === "tie" ? 0.5 : 0);

/** Bootstrap interval of the pooled mean of `values`, resampling clusters when `groups` is given. */
function pooledMeanCI(
  values: readonly number[],
  options: (ResamplingOptions & GroupingOptions) | undefined,
): Interval {
  const { groups, ...resampling } = options ?? {};
  if (!groups) return bootstrapCI(values, resampling);
  if (groups.length !== values.length) {
    throw new RangeError(`${values.length} values but ${groups.length} groups`);
  }
  const clusters = new Map<string | number, { sum: number; n: number }>();
  values.forEach((v, i) => {
    const key = groups[i] as string | number;
    const c = clusters.get(key) ?? { sum: 0, n: 0 };
    c.sum += v;
    c.n += 1;
    clusters.set(key, c);
  });
  return bootstrapCI([...clusters.values()], {
    ...resampling,
    statistic: (sample) => {
      let sum = 0;
      let n = 0;
      for (const c of sample) {
        sum += c.sum;
        n += c.n;
      }
      return sum / n;
    },
  });
}

/** Win rate of A over B: (wins of A + ½ ties) / judgments, with a bootstrap interval. */
export function winRate(
  choices: readonly PairwiseChoice[],
  options?: ResamplingOptions & GroupingOptions,
): WinRate {
  if (choices.length === 0) throw new RangeError("no judgments");
  let winsA = 0;
  let winsB = 0;
  let ties = 0;
  for (const c of choices) {
    if (c === "A") winsA++;
    else if (c === "B") winsB++;
    else if (c === "tie") ties++;
    else throw new RangeError(`unknown choice ${JSON.stringify(c)} (A, B or tie)`);
  }
  return { n: choices.length, winsA, winsB, ties, winRate: pooledMeanCI(choices.map(choiceScore), options) };
}

export interface LikertSummary {
  n: number;
  /** mean score with its bootstrap interval */
  mean: Interval;
  /** sample standard deviation (n − 1); 0 for a single score */
  sd: number;
  median: number;
  /** how many scores each value of the scale got, every value of [min, max] listed */
  distribution: Record<string, number>;
}

/** Mean (with bootstrap interval), sd, median and distribution of Likert scores on [min, max]. */
export function likertSummary(
  scores: readonly number[],
  scale: { min: number; max: number },
  options?: ResamplingOptions & GroupingOptions,
): LikertSummary {
  if (scores.length === 0) throw new RangeError("no scores");
  if (!Number.isInteger(scale.min) || !Number.isInteger(scale.max) || scale.max <= scale.min) {
    throw new RangeError(`the scale must be integers min < max, got [${scale.min}, ${scale.max}]`);
  }
  const distribution: Record<string, number> = {};
  for (let v = scale.min; v <= scale.max; v++) distribution[String(v)] = 0;
  for (const s of scores) {
    if (!Number.isInteger(s) || s < scale.min || s > scale.max) {
      throw new RangeError(`score ${s} is not an integer on [${scale.min}, ${scale.max}]`);
    }
    distribution[String(s)] = (distribution[String(s)] ?? 0) + 1;
  }
  const n = scores.length;
  const m = scores.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(scores.reduce((a, s) => a + (s - m) ** 2, 0) / (n - 1)) : 0;
  const sorted = [...scores].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const median =
    n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { n, mean: pooledMeanCI(scores, options), sd, median, distribution };
}

export interface Kappa {
  /** (observed − expected) / (1 − expected); null when expected agreement is 1 (all one category) */
  kappa: number | null;
  /** observed agreement: Cohen's p_o, Fleiss' P̄ */
  observed: number;
  /** agreement expected by chance: Cohen's p_e, Fleiss' P̄_e */
  expected: number;
  /** items counted */
  items: number;
  /** raters per item */
  raters: number;
}

const kappaOf = (observed: number, expected: number): number | null =>
  expected === 1 ? null : (observed - expected) / (1 - expected);

/** Cohen's kappa of two raters' labels of the same items (`a[i]` and `b[i]` label item i). */
export function cohensKappa<T extends string | number>(a: readonly T[], b: readonly T[]): Kappa {
  if (a.length !== b.length) throw new RangeError(`rater 1 labelled ${a.length} items, rater 2 ${b.length}`);
  if (a.length === 0) throw new RangeError("no items");
  const n = a.length;
  const countA = new Map<T, number>();
  const countB = new Map<T, number>();
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] as T;
    const y = b[i] as T;
    if (x === y) agree++;
    countA.set(x, (countA.get(x) ?? 0) + 1);
    countB.set(y, (countB.get(y) ?? 0) + 1);
  }
  let expected = 0;
  for (const [label, ca] of countA) expected += (ca / n) * ((countB.get(label) ?? 0) / n);
  const observed = agree / n;
  return { kappa: kappaOf(observed, expected), observed, expected, items: n, raters: 2 };
}

/**
 * Fleiss' kappa from a subjects × categories count table: `counts[i][j]` raters put subject i in
 * category j; every row sums to the same number of raters (at least 2).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): Kappa {
  const N = counts.length;
  if (N === 0) throw new RangeError("no items");
  const k = (counts[0] as readonly number[]).length;
  const raters = (counts[0] as readonly number[]).reduce((s, x) => s + x, 0);
  if (raters < 2) throw new RangeError("Fleiss' kappa needs at least 2 ratings per item");
  const totals = new Array<number>(k).fill(0);
  let sumP = 0;
  counts.forEach((row, i) => {
    if (row.length !== k) throw new RangeError(`item ${i} has ${row.length} categories, not ${k}`);
    let rowSum = 0;
    let squares = 0;
    row.forEach((x, j) => {
      if (!Number.isInteger(x) || x < 0) throw new RangeError(`item ${i}: count ${x} is not a count`);
      rowSum += x;
      squares += x * x;
      totals[j] = (totals[j] as number) + x;
    });
    if (rowSum !== raters) throw new RangeError(`item ${i} has ${rowSum} ratings, item 0 has ${raters}`);
    sumP += (squares - raters) / (raters * (raters - 1));
  });
  const observed = sumP / N;
  const expected = totals.reduce((s, t) => s + (t / (N * raters)) ** 2, 0);
  return { kappa: kappaOf(observed, expected), observed, expected, items: N, raters };
}

/**
 * Fleiss' kappa from each item's labels (`ratings[i]` = the labels item i got, one per rater; every item
 * rated by the same number of raters). Categories are the labels seen, or `categories` when given.
 */
export function fleissKappaFromLabels<T extends string | number>(
  ratings: readonly (readonly T[])[],
  categories?: readonly T[],
): Kappa {
  const cats = categories ?? [...new Set(ratings.flat())];
  const index = new Map(cats.map((c, j) => [c, j]));
  const table = ratings.map((labels, i) => {
    const row = new Array<number>(cats.length).fill(0);
    for (const label of labels) {
      const j = index.get(label);
      if (j === undefined) throw new RangeError(`item ${i}: label ${JSON.stringify(label)} is no category`);
      row[j] = (row[j] as number) + 1;
    }
    return row;
  });
  return fleissKappa(table);
}
