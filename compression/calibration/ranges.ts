// Activation ranges for static quantization, from a histogram of calibration activations, by the
// three methods onnxruntime's calibrate.py and TensorRT offer:
// - minmax: the observed [min, max] (one outlier stretches the range, so every other value is
//   quantized coarsely);
// - percentile: clip |x| at the p-th percentile (e.g. 99.99), keeping the observed sign range;
// - entropy: the clipping threshold whose quantized distribution loses the least information,
//   minimizing KL(P‖Q) between the clipped reference histogram P (outliers folded into its last bin)
//   and Q, P merged into `quantizedBins` levels and expanded back over P's non-empty bins
//   (Migacz, "8-bit Inference with TensorRT", GTC 2017; the algorithm of onnxruntime's
//   get_entropy_threshold, here on |x| with TensorRT's 2048 bins: onnxruntime's defaults of 128
//   bins and 128 levels leave a single candidate, the full range). As NVIDIA's pytorch-quantization
//   does, the zero bin counts as much as its neighbour (after ReLU, exact zeros would otherwise
//   dominate P and push the threshold far too low), and one-sided data (min ≥ 0, quantized as
//   uint8) is compared at 256 levels, signed data at 128 per side.
// Pure arithmetic, Worker-safe; a thresholded range is never wider than the observed one.
import { z } from "zod";
import type { AbsHistogram } from "./histogram.ts";

export const calibrationMethod = z.enum(["minmax", "percentile", "entropy"]);
export type CalibrationMethod = z.output<typeof calibrationMethod>;

export const calibrationSettings = z
  .object({
    method: calibrationMethod.default("minmax"),
    /** percentile: the share of |x| kept inside the range, in percent. */
    percentile: z.number().gt(50).max(100).default(99.99),
    /** Histogram bins over [0, max|x|] (percentile and entropy). */
    bins: z.number().int().min(256).max(65536).default(2048),
    /** entropy: quantization levels the clipped range is compared at (default 256 if min ≥ 0, else 128). */
    quantizedBins: z.number().int().min(8).max(1024).optional(),
  })
  .strict();
export type CalibrationSettings = z.input<typeof calibrationSettings>;

/** A calibrated range: what QuantizeLinear's scale and zero point are derived from. */
export interface ActivationRange {
  min: number;
  max: number;
}

/** The range a method picks from one activation's histogram. */
export function rangeFromHistogram(h: AbsHistogram, settings: CalibrationSettings = {}): ActivationRange {
  const s = calibrationSettings.parse(settings);
  if (h.total === 0) throw new RangeError("no calibration values were collected");
  if (s.method === "minmax" || h.width === 0) return { min: h.min, max: h.max };
  const t =
    s.method === "percentile"
      ? percentileThreshold(h, s.percentile)
      : entropyThreshold(h, s.quantizedBins ?? (h.min >= 0 ? 256 : 128));
  return { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
}

/** The smallest bin edge below which at least `percentile` % of |x| lies. */
export function percentileThreshold(h: AbsHistogram, percentile: number): number {
  const wanted = (percentile / 100) * h.total;
  let cumulative = 0;
  for (let i = 0; i < h.bins; i++) {
    cumulative += h.counts[i] as number;
    if (cumulative >= wanted) return (i + 1) * h.width;
  }
  return h.range;
}

/** The |x| threshold minimizing KL(P‖Q) (TensorRT's entropy calibration). */
export function entropyThreshold(h: AbsHistogram, quantizedBins: number): number {
  const counts = h.counts.slice();
  counts[0] = counts[1] as number;
  // Only the covered part of the histogram matters: past the last non-empty bin nothing changes.
  let last = h.bins;
  while (last > 0 && (counts[last - 1] as number) === 0) last--;
  if (last <= quantizedBins) return last * h.width;
  const beyond = new Float64Array(last + 1); // beyond[i] = Σ counts[i..last)
  for (let j = last - 1; j >= 0; j--) beyond[j] = (beyond[j + 1] as number) + (counts[j] as number);
  let best = last;
  let bestKl = Number.POSITIVE_INFINITY;
  const p = new Float64Array(last);
  const q = new Float64Array(last);
  const group = new Int32Array(last);
  const merged = new Float64Array(quantizedBins);
  const nonEmpty = new Float64Array(quantizedBins);
  for (let i = quantizedBins; i <= last; i++) {
    merged.fill(0);
    nonEmpty.fill(0);
    for (let j = 0; j < i; j++) {
      const c = counts[j] as number;
      p[j] = c;
      const g = Math.floor((j * quantizedBins) / i);
      group[j] = g;
      merged[g] = (merged[g] as number) + c;
      if (c > 0) nonEmpty[g] = (nonEmpty[g] as number) + 1;
    }
    p[i - 1] = (p[i - 1] as number) + (beyond[i] as number);
    for (let j = 0; j < i; j++) {
      const g = group[j] as number;
      const n = nonEmpty[g] as number;
      q[j] = (counts[j] as number) > 0 && n > 0 ? (merged[g] as number) / n : 0;
    }
    const kl = klDivergence(p, q, i);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best * h.width;
}

/**
 * KL(P‖Q) of the first `n` entries, with onnxruntime's smoothing of the counts: zero entries get ε,
 * taken evenly from the non-zero ones, so Q = 0 where P > 0 costs a large but finite amount.
 * Smooths p and q in place; with A = Σp', B = Σq': KL = Σ p'·(ln p' − ln q') / A + ln(B / A).
 */
function klDivergence(p: Float64Array, q: Float64Array, n: number): number {
  const a = smooth(p, n);
  const b = smooth(q, n);
  if (a === 0 || b === 0) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const x = p[j] as number;
    sum += x * Math.log(x / (q[j] as number));
  }
  return sum / a + Math.log(b / a);
}

/** Smooths the first n entries in place; returns their sum (0 when every count is zero). */
function smooth(v: Float64Array, n: number, eps = 1e-4): number {
  let zeros = 0;
  for (let j = 0; j < n; j++) if (v[j] === 0) zeros++;
  if (zeros === n) return 0;
  const take = (eps * zeros) / (n - zeros);
  let total = 0;
  for (let j = 0; j < n; j++) {
    const x = v[j] as number;
    const y = x === 0 ? eps : Math.max(x - take, eps);
    v[j] = y;
    total += y;
  }
  return total;
}
