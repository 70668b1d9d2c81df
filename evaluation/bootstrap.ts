// Confidence intervals and significance for comparing model variants on the same examples:
// a seeded percentile bootstrap, a paired bootstrap test (Koehn 2004) and a paired
// approximate-randomization (permutation) test. Seeded so that a report can be reproduced.
// Pure TypeScript, no Node APIs.
import { z } from "zod";

/** mulberry32: a small, fast, seedable PRNG giving uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const resamplingOptionsSchema = z.object({
  samples: z.number().int().min(10).max(1_000_000).default(1000),
  confidence: z.number().gt(0).lt(1).default(0.95),
  seed: z.number().int().default(12345),
});
export type ResamplingOptions = z.input<typeof resamplingOptionsSchema>;

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  samples: number;
  seed: number;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function percentile(sorted: readonly number[], q: number): number {
  // linear interpolation between closest ranks (numpy's default)
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/**
 * Percentile bootstrap interval of `statistic` over `items` (resampled with replacement).
 * The statistic defaults to the mean of numbers; pass e.g. a corpus-BLEU function for metrics
 * that do not decompose over examples.
 */
export function bootstrapCI<T = number>(
  items: readonly T[],
  options?: ResamplingOptions & { statistic?: (sample: readonly T[]) => number },
): Interval {
  if (items.length === 0) throw new RangeError("no examples to resample");
  const o = resamplingOptionsSchema.parse(options ?? {});
  const statistic = options?.statistic ?? ((s: readonly T[]) => mean(s as unknown as number[]));
  const rand = seededRandom(o.seed);
  const stats: number[] = [];
  const sample = new Array<T>(items.length);
  for (let b = 0; b < o.samples; b++) {
    for (let i = 0; i < items.length; i++) sample[i] = items[Math.floor(rand() * items.length)] as T;
    stats.push(statistic(sample));
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - o.confidence) / 2;
  return {
    estimate: statistic(items),
    lower: percentile(stats, tail),
    upper: percentile(stats, 1 - tail),
    confidence: o.confidence,
    samples: o.samples,
    seed: o.seed,
  };
}

export interface PairedComparison {
  /** mean of b − a over the examples */
  meanDifference: number;
  /** bootstrap interval of the mean difference */
  interval: Interval;
  /** two-sided p-value that the variants score the same */
  pValue: number;
  /** share of resamples in which b beat a (paired bootstrap only) */
  winRate?: number;
  method: "paired-bootstrap" | "permutation";
}

function checkPaired(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length)
    throw new RangeError(`variant A has ${a.length} scores but variant B has ${b.length}`);
  if (a.length === 0) throw new RangeError("no examples to compare");
}

/**
 * Paired bootstrap test between two variants' per-example scores on the same examples:
 * resample examples, recompute the mean difference, and read the two-sided p-value from how
 * often the resampled difference falls on the other side of zero.
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options?: ResamplingOptions,
): PairedComparison {
  checkPaired(a, b);
  const o = resamplingOptionsSchema.parse(options ?? {});
  const diffs = a.map((x, i) => (b[i] as number) - x);
  const interval = bootstrapCI(diffs, o);
  const rand = seededRandom(o.seed);
  let above = 0;
  let below = 0;
  for (let s = 0; s < o.samples; s++) {
    let sum = 0;
    for (let i = 0; i < diffs.length; i++) sum += diffs[Math.floor(rand() * diffs.length)] as number;
    if (sum > 0) above++;
    else if (sum < 0) below++;
  }
  // two-sided: twice the smaller share of resamples at or beyond zero on either side
  const pValue = Math.min(1, (2 * Math.min(o.samples - above, o.samples - below)) / o.samples);
  return {
    meanDifference: mean(diffs),
    interval,
    pValue,
    winRate: above / o.samples,
    method: "paired-bootstrap",
  };
}

/**
 * Paired approximate-randomization test: swap each example's two scores with probability ½ and
 * count how often the absolute mean difference is at least the observed one.
 */
export function permutationTest(
  a: readonly number[],
  b: readonly number[],
  options?: ResamplingOptions,
): PairedComparison {
  checkPaired(a, b);
  const o = resamplingOptionsSchema.parse(options ?? {});
  const diffs = a.map((x, i) => (b[i] as number) - x);
  const observed = Math.abs(mean(diffs));
  const rand = seededRandom(o.seed);
  let atLeast = 0;
  for (let s = 0; s < o.samples; s++) {
    let sum = 0;
    for (const d of diffs) sum += rand() < 0.5 ? -d : d;
    if (Math.abs(sum / diffs.length) >= observed - 1e-12) atLeast++;
  }
  return {
    meanDifference: mean(diffs),
    interval: bootstrapCI(diffs, o),
    pValue: (atLeast + 1) / (o.samples + 1),
    method: "permutation",
  };
}
