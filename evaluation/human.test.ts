import { describe, expect, it } from "vitest";
import {
  cohensKappa,
  fleissKappa,
  fleissKappaFromLabels,
  likertSummary,
  type PairwiseChoice,
  winRate,
} from "./human.ts";

/** Two raters' yes/no labels from a 2×2 agreement table [[yes,yes],[yes,no]],[[no,yes],[no,no]]. */
function fromTable(yy: number, yn: number, ny: number, nn: number): [string[], string[]] {
  const a: string[] = [];
  const b: string[] = [];
  const add = (count: number, x: string, y: string) => {
    for (let i = 0; i < count; i++) {
      a.push(x);
      b.push(y);
    }
  };
  add(yy, "yes", "yes");
  add(yn, "yes", "no");
  add(ny, "no", "yes");
  add(nn, "no", "no");
  return [a, b];
}

// Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters, 5 categories.
const FLEISS_TABLE = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];

describe("win rate from pairwise judgments", () => {
  it("counts ties as half a win and brackets the estimate", () => {
    const choices: PairwiseChoice[] = ["A", "A", "A", "B", "tie", "A", "B", "tie", "A", "A"];
    const r = winRate(choices, { seed: 1 });
    expect({ n: r.n, winsA: r.winsA, winsB: r.winsB, ties: r.ties }).toEqual({
      n: 10,
      winsA: 6,
      winsB: 2,
      ties: 2,
    });
    expect(r.winRate.estimate).toBe(0.7);
    expect(r.winRate.lower).toBeLessThan(0.7);
    expect(r.winRate.upper).toBeGreaterThan(0.7);
    expect(r.winRate.lower).toBeGreaterThanOrEqual(0);
    expect(r.winRate.upper).toBeLessThanOrEqual(1);
    expect(winRate(choices, { seed: 1 })).toEqual(r); // seeded: reproducible
  });

  it("all wins or all ties give a degenerate interval at 1 or ½", () => {
    expect(winRate(["A", "A", "A"]).winRate).toMatchObject({ estimate: 1, lower: 1, upper: 1 });
    expect(winRate(["tie", "tie"]).winRate).toMatchObject({ estimate: 0.5, lower: 0.5, upper: 0.5 });
    expect(winRate(["B"]).winRate.estimate).toBe(0);
  });

  it("the interval narrows with more judgments at the same rate (≈ ±1.96·√(p(1−p)/n))", () => {
    const many: PairwiseChoice[] = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? "B" : "A"));
    const r = winRate(many, { seed: 2, samples: 2000 });
    expect(r.winRate.estimate).toBe(0.75);
    const halfWidth = (r.winRate.upper - r.winRate.lower) / 2;
    expect(halfWidth).toBeCloseTo(1.96 * Math.sqrt((0.75 * 0.25) / 400), 2);
  });

  it("grouping by item keeps the estimate and widens the interval when raters agree within items", () => {
    // 20 items, each judged by 3 raters who agree: only 20 independent units, not 60
    const items = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? "B" : "A") as PairwiseChoice);
    const choices = items.flatMap((c) => [c, c, c]);
    const groups = items.flatMap((_, i) => [i, i, i]);
    const flat = winRate(choices, { seed: 4, samples: 2000 });
    const grouped = winRate(choices, { seed: 4, samples: 2000, groups });
    expect(grouped.winRate.estimate).toBe(flat.winRate.estimate);
    expect(grouped.winRate.upper - grouped.winRate.lower).toBeGreaterThan(
      1.4 * (flat.winRate.upper - flat.winRate.lower),
    );
  });

  it("refuses empty input, unknown choices and groups of the wrong length", () => {
    expect(() => winRate([])).toThrow(/no judgments/);
    expect(() => winRate(["C" as PairwiseChoice])).toThrow(/unknown choice/);
    expect(() => winRate(["A", "B"], { groups: [1] })).toThrow(/2 values but 1 groups/);
  });
});

describe("Likert summaries", () => {
  it("mean, sd, median and the full distribution on the scale", () => {
    const s = likertSummary([1, 2, 2, 3, 4, 5, 5, 5], { min: 1, max: 5 }, { seed: 3 });
    expect(s.n).toBe(8);
    expect(s.mean.estimate).toBe(27 / 8);
    // Σ(x − 3.375)² = 5.640625 + 2·1.890625 + 0.140625 + 0.390625 + 3·2.640625 = 17.875; / 7
    expect(s.sd).toBeCloseTo(Math.sqrt(17.875 / 7), 12);
    expect(s.median).toBe(3.5);
    expect(s.distribution).toEqual({ "1": 1, "2": 2, "3": 1, "4": 1, "5": 3 });
    expect(s.mean.lower).toBeLessThan(s.mean.estimate);
    expect(s.mean.upper).toBeGreaterThan(s.mean.estimate);
    expect(s.mean.lower).toBeGreaterThanOrEqual(1);
    expect(s.mean.upper).toBeLessThanOrEqual(5);
    const scale7 = likertSummary([7], { min: 1, max: 7 });
    expect(scale7.sd).toBe(0);
    expect(Object.keys(scale7.distribution)).toHaveLength(7);
  });

  it("refuses scores off the scale and bad scales", () => {
    expect(() => likertSummary([6], { min: 1, max: 5 })).toThrow(/score 6/);
    expect(() => likertSummary([2.5], { min: 1, max: 5 })).toThrow(/score 2.5/);
    expect(() => likertSummary([], { min: 1, max: 5 })).toThrow(/no scores/);
    expect(() => likertSummary([1], { min: 5, max: 1 })).toThrow(/scale/);
  });
});

describe("Cohen's kappa", () => {
  it("Wikipedia's worked example: 20/5/10/15 of 50 → p_o 0.7, p_e 0.5, κ 0.4", () => {
    const [a, b] = fromTable(20, 5, 10, 15);
    const k = cohensKappa(a, b);
    expect(k.observed).toBeCloseTo(0.7, 12);
    expect(k.expected).toBeCloseTo(0.5, 12);
    expect(k.kappa).toBeCloseTo(0.4, 12);
    expect({ items: k.items, raters: k.raters }).toEqual({ items: 50, raters: 2 });
  });

  it("same agreement, different marginals (Wikipedia): 45/15/25/15 → 0.1304, 25/35/5/35 → 0.2593", () => {
    // by hand: p_e = .6·.7 + .4·.3 = .54 → κ = .06/.46; p_e = .6·.3 + .4·.7 = .46 → κ = .14/.54
    const k1 = cohensKappa(...fromTable(45, 15, 25, 15));
    const k2 = cohensKappa(...fromTable(25, 35, 5, 35));
    expect(k1.observed).toBeCloseTo(0.6, 12);
    expect(k1.kappa).toBeCloseTo(0.06 / 0.46, 12);
    expect(k2.kappa).toBeCloseTo(0.14 / 0.54, 12);
    expect(k1.kappa?.toFixed(4)).toBe("0.1304");
    expect(k2.kappa?.toFixed(4)).toBe("0.2593");
  });

  it("perfect agreement is 1, systematic disagreement is negative, one shared category is undefined", () => {
    expect(cohensKappa(["A", "B", "tie"], ["A", "B", "tie"]).kappa).toBe(1);
    // p_o 0, p_e ½ → −1
    expect(cohensKappa([1, 2, 1, 2], [2, 1, 2, 1]).kappa).toBe(-1);
    expect(cohensKappa(["A", "A"], ["A", "A"]).kappa).toBeNull();
    expect(() => cohensKappa(["A"], ["A", "B"])).toThrow(/1 items, rater 2 2/);
    expect(() => cohensKappa([], [])).toThrow(/no items/);
  });

  it("two raters: Fleiss' kappa differs from Cohen's only through pooled marginals (Scott's π)", () => {
    const [a, b] = fromTable(20, 5, 10, 15);
    const f = fleissKappaFromLabels(a.map((x, i) => [x, b[i] as string]));
    // Scott's π by hand: pooled yes = (25 + 30)/100 = .55 → p_e = .55² + .45² = .505; (.7 − .505)/.495
    expect(f.kappa).toBeCloseTo(0.195 / 0.495, 12);
  });
});

describe("Fleiss' kappa", () => {
  it("Fleiss (1971) / Wikipedia: P̄ 0.378, P̄_e 0.213, κ 0.210 (exactly 4211/20059)", () => {
    const k = fleissKappa(FLEISS_TABLE);
    expect(k.observed).toBeCloseTo(172 / 455, 12);
    expect(k.expected).toBeCloseTo(417 / 1960, 12);
    expect(k.kappa).toBeCloseTo(4211 / 20059, 12);
    expect(k.kappa?.toFixed(3)).toBe("0.210");
    expect({ items: k.items, raters: k.raters }).toEqual({ items: 10, raters: 14 });
  });

  it("the same table as labels gives the same kappa, whatever the category order", () => {
    const labels = FLEISS_TABLE.map((row) => row.flatMap((count, j) => Array(count).fill(`c${j + 1}`)));
    expect(fleissKappaFromLabels(labels).kappa).toBeCloseTo(4211 / 20059, 12);
    expect(fleissKappaFromLabels(labels, ["c5", "c4", "c3", "c2", "c1"]).kappa).toBeCloseTo(4211 / 20059, 12);
  });

  it("full agreement is 1; a single category is undefined; bad tables are refused", () => {
    expect(
      fleissKappa([
        [3, 0],
        [0, 3],
      ]).kappa,
    ).toBe(1);
    expect(fleissKappa([[3], [3]]).kappa).toBeNull();
    expect(() => fleissKappa([])).toThrow(/no items/);
    expect(() => fleissKappa([[1, 0]])).toThrow(/at least 2/);
    expect(() =>
      fleissKappa([
        [2, 1],
        [1, 1],
      ]),
    ).toThrow(/item 1 has 2 ratings/);
    expect(() => fleissKappa([[2, 1], [3]])).toThrow(/1 categories, not 2/);
    expect(() => fleissKappaFromLabels([["x", "y"]], ["x"])).toThrow(/"y" is no category/);
  });
});
