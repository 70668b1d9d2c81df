import { describe, expect, it } from "vitest";
import { bootstrapCI, pairedBootstrap, permutationTest, seededRandom } from "./bootstrap.ts";

const noisy = (n: number, seed: number, shift = 0) => {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => r() + shift);
};

describe("bootstrap intervals and paired tests", () => {
  it("the generator is seeded: same seed, same stream; other seed, other stream", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect([c(), c(), c()]).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("the interval brackets the estimate, repeats under its seed, and narrows ~√n with more data", () => {
    const small = noisy(100, 1);
    const large = noisy(10_000, 1);
    const s = bootstrapCI(small, { seed: 3, samples: 500 });
    expect(s.lower).toBeLessThan(s.estimate);
    expect(s.upper).toBeGreaterThan(s.estimate);
    expect(bootstrapCI(small, { seed: 3, samples: 500 })).toEqual(s);
    const l = bootstrapCI(large, { seed: 3, samples: 200 });
    const ratio = (s.upper - s.lower) / (l.upper - l.lower);
    expect(ratio).toBeGreaterThan(6); // √100 = 10 in theory
    expect(ratio).toBeLessThan(16);
    // uniform(0,1): mean ½, sd 1/√12; the 95% interval of the mean is about ±1.96·0.2887/√n
    expect(s.upper - s.lower).toBeCloseTo((2 * 1.96 * 0.2887) / 10, 1);
  });

  it("takes any statistic: a median's interval ignores an outlier the mean's does not", () => {
    const items = [...Array.from({ length: 49 }, (_, i) => i + 1), 10_000];
    const median = (xs: readonly number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const m = bootstrapCI(items, { statistic: median });
    expect(m.estimate).toBe(26);
    expect(m.upper).toBeLessThan(40);
    expect(bootstrapCI(items).upper).toBeGreaterThan(200);
  });

  it("paired tests find a real difference and none between identical variants", () => {
    const a = noisy(200, 11);
    const better = a.map((x, i) => x + 0.05 + 0.01 * Math.sin(i));
    for (const test of [pairedBootstrap, permutationTest]) {
      const real = test(a, better, { seed: 5 });
      expect(real.meanDifference).toBeGreaterThan(0.04);
      expect(real.pValue).toBeLessThan(0.01);
      expect(real.interval.lower).toBeGreaterThan(0);
      expect(test(a, a, { seed: 5 }).pValue).toBe(1);
    }
    // unrelated noise of the same distribution: no significant difference
    expect(permutationTest(a, noisy(200, 12), { seed: 5 }).pValue).toBeGreaterThan(0.05);
  });

  it("refuses unpaired input", () => {
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/1 scores but variant B has 2/);
    expect(() => bootstrapCI([])).toThrow(/no examples/);
  });
});
