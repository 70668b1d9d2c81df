import { describe, expect, it } from "vitest";
import { randomValues } from "../quantize/test-support.ts";
import { AbsHistogram } from "./histogram.ts";
import { rangeFromHistogram } from "./ranges.ts";

/** Symmetric int8 quantization error (mean squared) of `x` clipped to ±t. */
function quantizationMse(x: Float32Array, t: number): number {
  const s = t / 127;
  let e = 0;
  for (const v of x) {
    const q = Math.max(-127, Math.min(127, Math.round(v / s))) * s;
    e += (q - v) ** 2;
  }
  return e / x.length;
}

describe("calibration ranges", () => {
  // Gaussian-like activations (σ ≈ 1) with 0.005 % outliers at ±60: MinMax spends most levels on them.
  const bulk = randomValues(200_000, 11, 1);
  const data = bulk.slice();
  for (let i = 0; i < data.length; i += 20_000) data[i] = i % 40_000 === 0 ? 60 : -60;

  it("histogram growth merges bins exactly: counts and extremes match one-shot collection", () => {
    const once = new AbsHistogram(512);
    once.add(data);
    const streamed = new AbsHistogram(512);
    streamed.add(data.subarray(1, 1000)); // small range first, then outliers force doublings
    streamed.add(data.subarray(1000));
    streamed.add(data.subarray(0, 1));
    expect(streamed.total).toBe(once.total);
    expect([streamed.min, streamed.max]).toEqual([once.min, once.max]);
    expect(streamed.counts.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(streamed.range).toBeGreaterThanOrEqual(60);
  });

  it("minmax is the observed range; percentile and entropy clip the outliers and quantize the bulk 4× more finely", () => {
    const h = new AbsHistogram();
    h.add(data);
    const minmax = rangeFromHistogram(h, { method: "minmax" });
    const percentile = rangeFromHistogram(h, { method: "percentile", percentile: 99.99 });
    const entropy = rangeFromHistogram(h, { method: "entropy" });
    expect(minmax).toEqual({ min: -60, max: 60 });
    for (const r of [percentile, entropy]) {
      expect(r.max).toBeLessThan(10); // the bulk's |x| reaches ~6
      expect(r.min).toBeGreaterThan(-10);
      expect(r.max).toBeGreaterThan(2);
    }
    // Error on the 99.995 % of values that are not outliers (the clipped outliers pay instead).
    const inliers = data.filter((v) => Math.abs(v) < 60);
    const mse = (r: { max: number }) => quantizationMse(inliers, r.max);
    expect(mse(percentile)).toBeLessThan(mse(minmax) / 4);
    expect(mse(entropy)).toBeLessThan(mse(minmax) / 4);
  });

  it("without outliers, every method keeps nearly the full range", () => {
    const h = new AbsHistogram();
    const clean = randomValues(50_000, 5, 1).map(Math.abs); // one-sided, as after ReLU
    h.add(clean);
    const minmax = rangeFromHistogram(h, { method: "minmax" });
    expect(minmax.min).toBeGreaterThanOrEqual(0);
    const percentile = rangeFromHistogram(h, { method: "percentile", percentile: 99.99 });
    expect(percentile.min).toBe(minmax.min); // never below what was observed
    expect(percentile.max).toBeGreaterThan(0.8 * minmax.max);
    const entropy = rangeFromHistogram(h, { method: "entropy" });
    expect(entropy.max).toBeLessThanOrEqual(minmax.max);
    expect(entropy.max).toBeGreaterThan(0.5 * minmax.max);
  });

  it("rejects empty histograms, non-finite values and bad settings", () => {
    expect(() => rangeFromHistogram(new AbsHistogram())).toThrow(/no calibration values/);
    expect(() => new AbsHistogram().add([1, Number.NaN])).toThrow(/finite/);
    const h = new AbsHistogram();
    h.add([1, 2]);
    expect(() => rangeFromHistogram(h, { method: "percentile", percentile: 101 })).toThrow();
    expect(() => rangeFromHistogram(h, { method: "median" as "minmax" })).toThrow();
  });
});
